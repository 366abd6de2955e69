#!/usr/bin/env python3
"""The real test node's images, built offline (build_image.py) as
docker-archive tars for `ctr images import`:

  pause      the sandbox image (k8s.gcr.io/pause:3.2): pause.c from the same
             Kubernetes source as the kubelet, compiled statically.
  envbox     the envbox double under the provider's default envbox image
             reference: /envbox is cvm-double (envbox docker), /var/run -> /run
             as in envbox's Ubuntu base, and the inner image's /etc/passwd
             (user coder, uid 1000) that envbox would read with getent.
  systemd    a workspace image for sysbox mode: /sbin/init and systemctl are
             cvm-double, cvm-agent-double stands in for the Coder agent, and
             Debian's real sh, su, runuser, chown, nohup and sleep (with PAM)
             run the provider's hooks. User coder (uid 1000), home /home/coder.

    images.py --double BIN --pause-source pause.c --out DIR

Writes DIR/<name>.tar and prints "<name> <tar> <tag>..." per image.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_image  # noqa: E402

PAUSE_IMAGE = "k8s.gcr.io/pause:3.2"
# The provider's default (provider/resources/workspace_model.h kDefaultEnvboxImage).
ENVBOX_IMAGE = "ghcr.io/coder/envbox:0.6.7"
SYSTEMD_IMAGE = "cvm.test/systemd-workspace:bookworm"

PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "coder:x:1000:1000:Coder:/home/coder:/bin/sh\n")
GROUP = "root:x:0:\ncoder:x:1000:\n"
SHADOW = "root:*:19000:0:99999:7:::\ncoder:*:19000:0:99999:7:::\n"
DOUBLE_PATH = "/usr/local/libexec/cvm-double"


def pause_spec(pause_binary):
    return {"tags": [PAUSE_IMAGE], "entrypoint": ["/pause"],
            "files": {"/pause": {"copy": pause_binary, "mode": "0755"}}}


def envbox_spec(double):
    return {
        "tags": [ENVBOX_IMAGE], "cmd": ["/envbox"],
        "files": {
            "/envbox": {"copy": double, "mode": "0755"},
            "/etc/passwd": {"text": PASSWD, "mode": "0644"},
            "/etc/group": {"text": GROUP, "mode": "0644"},
            "/etc/cvm-double/inner-passwd": {"text": PASSWD, "mode": "0644"},
        },
        "dirs": {"/run": "0755", "/tmp": "1777", "/root": "0700",
                 "/home/coder": "0755:1000:1000", "/var/lib": "0755", "/mnt": "0755"},
        "symlinks": {"/var/run": "../run"},
    }


def systemd_spec(double):
    # What the provider's pod runs: the postStart hook (sh, systemctl, su,
    # nohup), the home-owner init container (chown), and whatever a test's
    # bootstrap script uses.
    tools = ["/bin/sh", "/bin/dash", "/usr/bin/su", "/usr/sbin/runuser", "/usr/bin/nohup",
             "/bin/chown", "/bin/sleep", "/bin/cat", "/bin/ls", "/bin/id", "/usr/bin/env",
             "/bin/mkdir", "/bin/touch", "/bin/rm", "/usr/bin/stat", "/usr/bin/sha256sum"]
    pam = ["/etc/pam.d/su", "/etc/pam.d/su-l", "/etc/pam.d/runuser", "/etc/pam.d/runuser-l",
           "/etc/pam.d/common-auth", "/etc/pam.d/common-account", "/etc/pam.d/common-session",
           "/etc/pam.d/common-session-noninteractive", "/etc/pam.d/common-password",
           "/etc/pam.d/other", "/etc/security/limits.conf", "/etc/security/pam_env.conf",
           "/etc/login.defs", "/etc/environment", "/etc/default/locale"]
    return {
        "tags": [SYSTEMD_IMAGE], "entrypoint": ["/sbin/init"],
        "host_files": tools,
        "host_globs": pam + ["/usr/lib/x86_64-linux-gnu/security/pam_*.so"],
        "files": {
            DOUBLE_PATH: {"copy": double, "mode": "0755"},
            "/etc/passwd": {"text": PASSWD, "mode": "0644"},
            "/etc/group": {"text": GROUP, "mode": "0644"},
            "/etc/shadow": {"text": SHADOW, "mode": "0600"},
            "/etc/shells": {"text": "/bin/sh\n/usr/bin/sh\n/bin/dash\n", "mode": "0644"},
            "/etc/nsswitch.conf": {"text": "passwd: files\ngroup: files\nshadow: files\n",
                                   "mode": "0644"},
        },
        "symlinks": {"/usr/sbin/init": "../local/libexec/cvm-double",
                     "/usr/bin/systemctl": "../local/libexec/cvm-double",
                     "/usr/local/bin/cvm-agent-double": "../libexec/cvm-double",
                     "/var/run": "../run"},
        # The kubelet creates the home sub-path itself (root, 0755); the
        # image's own /home/coder is what an unmounted home would be.
        "dirs": {"/run": "0755", "/tmp": "1777", "/root": "0700", "/var/log": "0755",
                 "/home/coder": "0755:1000:1000"},
    }


def build_pause(source, out_dir):
    binary = os.path.join(out_dir, "pause")
    subprocess.run(["gcc", "-Os", "-Wall", "-static", "-DVERSION=v3.2-cvm", "-o", binary, source],
                   check=True)
    return binary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--double", required=True, help="the static cvm-double binary")
    parser.add_argument("--pause-source", required=True, help="Kubernetes' build/pause/linux/pause.c")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    specs = {"pause": pause_spec(build_pause(args.pause_source, args.out)),
             "envbox": envbox_spec(args.double),
             "systemd": systemd_spec(args.double)}
    for name, spec in specs.items():
        tar = os.path.join(args.out, f"{name}.tar")
        build_image.write_archive(spec, tar)
        print(name, tar, *spec["tags"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
