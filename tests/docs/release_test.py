"""release/build-release.sh builds what the Registry and a mirror expect.

One Release build (release/build-release.sh, in CVM_RELEASE_WORK_DIR/a) is
shared by every check:
- the artifact names, the zip's single entry terraform-provider-cvm_vX.Y.Z
  with mode 0755, the fixed timestamp and no extra fields; a stripped binary
  that prints the version of release/VERSION;
- SHA256SUMS covers every zip and the manifest, which says protocol 6.0;
- `terraform init` from a filesystem mirror in the packed layout writes a lock
  file whose h1: hash equals one computed here (dirhash Hash1 over the zip's
  contents, protocol.md 6.4), and the installed provider serves its schema;
- a GPG signature made with a throw-away key verifies (CVM_GPG_KEY_ID);
- reproducibility: a second Release build from another source path and build
  directory gives a byte-identical zip (skipped with CVM_RELEASE_SKIP_REBUILD=1).
"""

import base64
import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "release", "build-release.sh")
VERSION = open(os.path.join(ROOT, "release", "VERSION")).read().strip()
NAME = "terraform-provider-cvm"
ADDRESS = "registry.terraform.io/cvm/cvm"


def dirhash_h1(files):
    """golang.org/x/mod/sumdb/dirhash.Hash1 over {name: bytes}: what `h1:` means."""
    summary = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_release(out, build_dir, env=None, cwd=ROOT, script=BUILD):
    full = dict(os.environ)
    full.update({"CVM_RELEASE_OUT": out, "CVM_RELEASE_BUILD_DIR": build_dir})
    full.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(["bash", script], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=2400)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise AssertionError(f"{script} failed ({proc.returncode}):\n{proc.stdout}\n"
                             f"{proc.stderr[-8000:]}")
    return proc, seconds


def source_date_epoch():
    """The last commit's time, as build-release.sh takes it (or SOURCE_DATE_EPOCH)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, check=True).stdout.strip())


class ReleaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = os.environ.get("CVM_RELEASE_WORK_DIR") or tempfile.mkdtemp(
            prefix="cvm-release-test-")
        os.makedirs(cls.work, exist_ok=True)
        cls.out = os.path.join(cls.work, "a", "out")
        cls.epoch = source_date_epoch()
        proc, cls.seconds = run_release(cls.out, os.path.join(cls.work, "a", "build"),
                                        env={"SOURCE_DATE_EPOCH": str(cls.epoch)})
        cls.log = proc.stderr
        print(f"\nrelease build A: {cls.seconds:.0f} s", file=sys.stderr)
        cls.zip = os.path.join(cls.out, f"{NAME}_{VERSION}_linux_amd64.zip")
        cls.sums = os.path.join(cls.out, f"{NAME}_{VERSION}_SHA256SUMS")
        cls.manifest = os.path.join(cls.out, f"{NAME}_{VERSION}_manifest.json")

    def test_artifact_names(self):
        names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.out, "*"))
                       if os.path.isfile(p))
        expected = {f"{NAME}_{VERSION}_linux_amd64.zip", f"{NAME}_{VERSION}_SHA256SUMS",
                    f"{NAME}_{VERSION}_manifest.json"}
        self.assertTrue(expected <= set(names), names)
        for n in names:
            self.assertRegex(n, rf"^{NAME}_{re.escape(VERSION)}_(linux_(amd64|arm64)\.zip|"
                                r"SHA256SUMS|manifest\.json)$")
        if f"{NAME}_{VERSION}_linux_arm64.zip" not in names:
            self.assertIn("Skipping linux_arm64:", self.log)

    def test_zip_layout(self):
        with zipfile.ZipFile(self.zip) as z:
            infos = z.infolist()
            self.assertEqual([i.filename for i in infos], [f"{NAME}_v{VERSION}"])
            info = infos[0]
            self.assertEqual(info.create_system, 3)  # Unix, so the mode bits count
            self.assertEqual((info.external_attr >> 16) & 0o777, 0o755)
            self.assertEqual(info.extra, b"")  # zip -X
            # DOS times have 2 s steps: the build stamps the even second at or
            # before the epoch, so an odd epoch never rounds into the next minute.
            want = datetime.datetime.fromtimestamp(self.epoch - self.epoch % 2,
                                                   datetime.timezone.utc)
            self.assertEqual(info.date_time, want.timetuple()[:6])
            data = z.read(info)
        self.assertEqual(data[:4], b"\x7fELF")

    def test_binary_is_stripped_and_versioned(self):
        binary = os.path.join(self.out, "binaries", "linux_amd64", f"{NAME}_v{VERSION}")
        sections = subprocess.run(["readelf", "-S", "-W", binary], capture_output=True,
                                  text=True, check=True).stdout
        self.assertNotIn(".symtab", sections)
        self.assertNotIn(".debug_info", sections)
        out = subprocess.run([binary, "-version"], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), f"{NAME} v{VERSION} (protocol 6)")
        strings = subprocess.run(["strings", "-a", binary], capture_output=True, text=True,
                                 check=True).stdout
        self.assertNotIn(ROOT + "/", strings, "the source path leaked into the binary")
        self.assertNotIn(self.work, strings, "the build path leaked into the binary")

    def test_sums_and_manifest(self):
        with open(self.sums) as f:
            lines = f.read().splitlines()
        listed = {}
        for line in lines:
            m = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
            self.assertTrue(m, line)
            listed[m.group(2)] = m.group(1)
        self.assertEqual(list(listed), sorted(listed))
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.out, "*.zip")))
        files.append(os.path.basename(self.manifest))
        self.assertEqual(sorted(listed), sorted(files))
        for name, digest in listed.items():
            self.assertEqual(sha256_file(os.path.join(self.out, name)), digest, name)
        with open(self.manifest) as f:
            self.assertEqual(json.load(f), {"version": 1,
                                            "metadata": {"protocol_versions": ["6.0"]}})
        with open(os.path.join(ROOT, "release", "terraform-registry-manifest.json"), "rb") as f:
            with open(self.manifest, "rb") as g:
                self.assertEqual(f.read(), g.read())

    def test_terraform_init_from_packed_mirror(self):
        with zipfile.ZipFile(self.zip) as z:
            want = dirhash_h1({i.filename: z.read(i) for i in z.infolist()})
        tmp = tempfile.mkdtemp(prefix="cvm-release-init-")
        try:
            mirror = os.path.join(tmp, "mirror", ADDRESS)
            os.makedirs(mirror)
            shutil.copy2(self.zip, mirror)
            rc = os.path.join(tmp, "terraformrc")
            with open(rc, "w") as f:
                f.write('provider_installation {\n  filesystem_mirror {\n'
                        f'    path    = "{os.path.join(tmp, "mirror")}"\n'
                        f'    include = ["{ADDRESS}"]\n  }}\n'
                        f'  direct {{ exclude = ["{ADDRESS}"] }}\n}}\n')
            work = os.path.join(tmp, "work")
            os.makedirs(work)
            with open(os.path.join(work, "main.tf"), "w") as f:
                f.write('terraform {\n  required_providers {\n    cvm = {\n'
                        f'      source  = "cvm/cvm"\n      version = "{VERSION}"\n'
                        '    }\n  }\n}\n')
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KUBE_"))}
            env.update({"TF_CLI_CONFIG_FILE": rc, "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"})

            def tf(*args):
                proc = subprocess.run(["terraform", *args], cwd=work, env=env,
                                      capture_output=True, text=True, timeout=300)
                self.assertEqual(proc.returncode, 0, f"terraform {args}:\n{proc.stdout}"
                                 f"{proc.stderr}")
                return proc.stdout

            tf("init", "-no-color")
            with open(os.path.join(work, ".terraform.lock.hcl")) as f:
                lock = f.read()
            self.assertIn(f'provider "{ADDRESS}"', lock)
            self.assertIn(f'version     = "{VERSION}"', lock)
            hashes = re.findall(r'"(h1:[A-Za-z0-9+/=]+)"', lock)
            self.assertEqual(hashes, [want], lock)
            installed = os.path.join(work, ".terraform", "providers", ADDRESS, VERSION,
                                     "linux_amd64", f"{NAME}_v{VERSION}")
            self.assertTrue(os.access(installed, os.X_OK), "zip lost the executable bit")
            # A second init checks the package against the lock file's hash.
            shutil.rmtree(os.path.join(work, ".terraform"))
            tf("init", "-no-color")
            schema = json.loads(tf("providers", "schema", "-json"))
            self.assertIn("cvm_workspace",
                          schema["provider_schemas"][ADDRESS]["resource_schemas"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_signature(self):
        if not shutil.which("gpg"):
            self.skipTest("gpg is not installed")
        home = tempfile.mkdtemp(prefix="cvm-gpg-")
        try:
            env = {"GNUPGHOME": home}
            subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                            "CVM Release Test <release-test@example.invalid>", "ed25519",
                            "sign", "never"], env=dict(os.environ, **env), check=True,
                           capture_output=True, timeout=120)
            out = os.path.join(self.work, "signed")
            binary = os.path.join(self.out, "binaries", "linux_amd64", f"{NAME}_v{VERSION}")
            run_release(out, os.path.join(self.work, "a", "build"), env=dict(
                env, CVM_GPG_KEY_ID="release-test@example.invalid", CVM_RELEASE_ARCHES="amd64",
                CVM_RELEASE_BINARY_AMD64=binary, SOURCE_DATE_EPOCH=str(self.epoch)))
            sums = os.path.join(out, os.path.basename(self.sums))
            sig = sums + ".sig"
            self.assertTrue(os.path.exists(sig))
            with open(sig, "rb") as f:
                self.assertNotEqual(f.read(1), b"-", "the signature must be binary, not armored")
            verify = subprocess.run(["gpg", "--batch", "--verify", sig, sums],
                                    env=dict(os.environ, **env), capture_output=True, text=True)
            self.assertEqual(verify.returncode, 0, verify.stderr)
            # Packaging the same binary again gives the same zip.
            self.assertEqual(sha256_file(os.path.join(out, os.path.basename(self.zip))),
                             sha256_file(self.zip))
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def test_reproducible(self):
        if os.environ.get("CVM_RELEASE_SKIP_REBUILD") == "1":
            self.skipTest("CVM_RELEASE_SKIP_REBUILD=1")
        # Build B: another checkout path (a copy of the tracked sources) and
        # another build directory, as a second machine would have.
        b = os.path.join(self.work, "b-other-path")
        src = os.path.join(b, "src-elsewhere")
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(src)
        files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                                "--exclude-standard"], capture_output=True, check=True
                               ).stdout.split(b"\0")
        for rel in (f.decode() for f in files if f):
            full = os.path.join(ROOT, rel)
            if os.path.isfile(full):
                os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
                shutil.copy2(full, os.path.join(src, rel))
        out_b = os.path.join(b, "out")
        _, seconds = run_release(out_b, os.path.join(b, "build"), cwd=src,
                                 script=os.path.join(src, "release", "build-release.sh"),
                                 env={"SOURCE_DATE_EPOCH": str(self.epoch),
                                      "CVM_RELEASE_ARCHES": "amd64"})
        print(f"\nrelease build B: {seconds:.0f} s", file=sys.stderr)
        zip_b = os.path.join(out_b, os.path.basename(self.zip))
        self.assertEqual(sha256_file(zip_b), sha256_file(self.zip),
                         "two Release builds of the same sources gave different zips")


if __name__ == "__main__":
    unittest.main()
