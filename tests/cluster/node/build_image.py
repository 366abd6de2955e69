#!/usr/bin/env python3
"""Builds a container image as a docker-archive tar, offline, from files of
this machine's installed Debian packages (and files the caller generates),
for `ctr images import` on the real test node. No registry, no Docker.

    build_image.py --spec SPEC.json --out IMAGE.tar

SPEC (JSON):
  {"tags": ["ghcr.io/coder/envbox:0.6.7"],
   "entrypoint": ["/envbox"], "cmd": [], "env": ["PATH=/usr/bin:/bin"],
   "host_files": ["/usr/bin/su", ...],      # copied with their shared libraries (ldd)
   "host_globs": ["/etc/pam.d/common-*"],   # copied if present, no libraries
   "files": {"/etc/passwd": {"text": "...", "mode": "0644"},
             "/envbox": {"copy": "/path/on/host", "mode": "0755"}},
   "symlinks": {"/var/run": "../run"},
   "dirs": {"/tmp": "1777", "/home/coder": "0755:1000:1000"}}

The root file system follows Debian's merged /usr (/bin, /sbin, /lib, /lib64
are symlinks into /usr), so a host file is stored under its real path. The
tar is reproducible: fixed mtimes, sorted entries, root ownership unless a
dir says otherwise. Prints the image's config digest.
"""

import argparse
import glob
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

MERGED_USR = {"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib",
              "/lib64": "usr/lib64"}
LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")


def image_path(host_path, follow_last=True):
    """Where a host file lives in the merged-/usr image: its real path, or
    with follow_last=False the real path of its directory plus its own name
    (so a symlink such as /bin/sh keeps its name)."""
    if follow_last:
        real = os.path.realpath(host_path)
    else:
        real = os.path.join(os.path.realpath(os.path.dirname(host_path)),
                            os.path.basename(host_path))
    for top, target in MERGED_USR.items():
        if real == top or real.startswith(top + "/"):
            return "/" + target + real[len(top):]
    return real


def shared_libraries(path):
    """The absolute paths of the shared objects `path` needs (empty if static)."""
    proc = subprocess.run(["ldd", path], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return []  # "not a dynamic executable"
    return sorted({m.group(1) for m in map(LDD_LINE.search, proc.stdout.splitlines()) if m})


class Layer:
    """An in-memory tar layer; entries are added once and written sorted."""

    def __init__(self):
        self.entries = {}  # path in image -> (TarInfo, bytes or None)

    def _info(self, path, kind, mode, uid=0, gid=0):
        info = tarfile.TarInfo(path.lstrip("/"))
        info.type, info.mode, info.uid, info.gid = kind, mode, uid, gid
        info.mtime = 0
        info.uname = info.gname = ""
        return info

    def add_dir(self, path, mode=0o755, uid=0, gid=0, explicit=False):
        """Adds a directory and its parents; an explicit one sets mode and owner."""
        path = path.rstrip("/")
        if not path:
            return
        self.add_dir(os.path.dirname(path))
        if path in self.entries and not explicit:
            return
        self.entries[path] = (self._info(path, tarfile.DIRTYPE, mode, uid, gid), None)

    def add_file(self, path, data, mode=0o644):
        self.add_dir(os.path.dirname(path))
        info = self._info(path, tarfile.REGTYPE, mode)
        info.size = len(data)
        self.entries[path] = (info, data)

    def add_symlink(self, path, target):
        self.add_dir(os.path.dirname(path))
        info = self._info(path, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.entries[path] = (info, None)

    def add_host_file(self, host_path, with_libraries=True):
        """Copies a host file (following symlinks) and, for ELF files, its libraries."""
        if not os.path.exists(host_path):
            raise SystemExit(f"build_image: {host_path} does not exist on this machine")
        dest = image_path(host_path)
        # Keep the name it is called by: /usr/bin/sh -> dash stays a symlink.
        named = image_path(host_path, follow_last=False)
        if named != dest:
            self.add_symlink(named, os.path.relpath(dest, os.path.dirname(named)))
        if dest not in self.entries:
            with open(host_path, "rb") as f:
                data = f.read()
            self.add_file(dest, data, os.stat(host_path).st_mode & 0o7777)
        if with_libraries:
            for lib in shared_libraries(host_path):
                self.add_host_file(lib, with_libraries=False)

    def tar_bytes(self):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(self.entries):
                info, data = self.entries[path]
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        return out.getvalue()


def parse_dir_spec(text):
    """"1777" or "0755:1000:1000" -> (mode, uid, gid)."""
    parts = text.split(":")
    mode = int(parts[0], 8)
    uid = int(parts[1]) if len(parts) > 1 else 0
    gid = int(parts[2]) if len(parts) > 2 else 0
    return mode, uid, gid


def build_layer(spec):
    layer = Layer()
    for top, target in MERGED_USR.items():
        layer.add_dir("/" + target)
        layer.add_symlink(top, target)
    for path, mode_text in sorted(spec.get("dirs", {}).items()):
        mode, uid, gid = parse_dir_spec(mode_text)
        layer.add_dir(path, mode, uid, gid, explicit=True)
    for host_path in spec.get("host_files", []):
        layer.add_host_file(host_path)
    for pattern in spec.get("host_globs", []):
        for host_path in sorted(glob.glob(pattern)):
            if os.path.isfile(host_path):
                layer.add_host_file(host_path, with_libraries=host_path.endswith(".so"))
    for path, f in sorted(spec.get("files", {}).items()):
        mode = int(f.get("mode", "0644"), 8)
        if "copy" in f:
            with open(f["copy"], "rb") as src:
                data = src.read()
        else:
            data = f["text"].encode()
        layer.add_file(path, data, mode)
    for path, target in sorted(spec.get("symlinks", {}).items()):
        layer.add_symlink(path, target)
    return layer.tar_bytes()


def write_archive(spec, out_path):
    layer = build_layer(spec)
    layer_digest = hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64", "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {"Env": spec.get("env", ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]),
                   "Entrypoint": spec.get("entrypoint"), "Cmd": spec.get("cmd"),
                   "WorkingDir": "/", "Labels": {"cvm.test/built-by": "tests/cluster/node/build_image.py"}},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": "tests/cluster/node/build_image.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_digest = hashlib.sha256(config_bytes).hexdigest()
    manifest = [{"Config": f"{config_digest}.json", "RepoTags": spec["tags"],
                 "Layers": [f"{layer_digest}/layer.tar"]}]
    tmp = out_path + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
        add(f"{config_digest}.json", config_bytes)
        add(f"{layer_digest}/layer.tar", layer)
        add("manifest.json", json.dumps(manifest).encode())
    os.replace(tmp, out_path)
    return config_digest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    print(write_archive(spec, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
