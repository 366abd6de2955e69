"""Every example under examples/ is well-formed.

- `terraform fmt -check` on every example.
- `terraform init` + `terraform validate` on every example directory that
  needs only cvm/cvm: the directory is copied into a temp dir, given a
  required_providers block when it has none (the conventional
  examples/resources/<type>/resource.tf files do not), and initialised from a
  private filesystem mirror holding CVM_PROVIDER_BINARY. Examples that need
  other providers are checked with fmt only, except examples/coder-template:
  coder/coder cannot be installed offline, so its blocks are removed and
  their attributes replaced by a string variable before the validate.
- import.sh files import an address their resource.tf declares.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import tfharness  # noqa: E402

REQUIRED_PROVIDERS_RE = re.compile(r"^\s*required_providers\s*{", re.M)
TYPE_RE = re.compile(r'^\s*(?:resource|data|ephemeral)\s+"([a-z0-9_]+)"', re.M)
SOURCE_RE = re.compile(r'source\s*=\s*"([^"]+)"')


def example_dirs():
    """Every directory under examples/ that holds .tf files, relative to examples/."""
    found = []
    for dirpath, _, files in os.walk(EXAMPLES):
        if any(f.endswith(".tf") for f in files):
            found.append(os.path.relpath(dirpath, EXAMPLES))
    return sorted(found)


def read_tf(path):
    text = ""
    for name in sorted(os.listdir(path)):
        if name.endswith(".tf"):
            with open(os.path.join(path, name)) as f:
                text += f.read() + "\n"
    return text


def required_providers_blocks(text):
    """The bodies of every required_providers block (brace matching)."""
    bodies = []
    for m in REQUIRED_PROVIDERS_RE.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies.append(text[m.end():i - 1])
    return bodies


def foreign_providers(text):
    """Provider sources or resource prefixes other than cvm that the text needs."""
    other = set()
    for source in SOURCE_RE.findall("\n".join(required_providers_blocks(text))):
        if source.lower() not in ("cvm/cvm", "registry.terraform.io/cvm/cvm"):
            other.add(source)
    for type_name in TYPE_RE.findall(text):
        prefix = type_name.split("_")[0]
        if prefix != "cvm":
            other.add(prefix)
    return sorted(other)


CODER_BLOCK_RE = re.compile(r'^(?:data|resource) "coder_[a-z_]+" "[a-z_]+" {', re.M)
CODER_REFERENCE_RE = re.compile(r"\b(?:data\.coder_[a-z_]+|coder_[a-z_]+)\.[a-z_]+\.[a-z_]+\b")
CODER_REQUIREMENT_RE = re.compile(r"^\s*coder = {[^}]*}\n", re.M)


def without_coder(text):
    """`text` with coder/coder's blocks removed and its attributes as var.coder."""
    while (m := CODER_BLOCK_RE.search(text)):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[:m.start()] + text[i:]
    text = CODER_REQUIREMENT_RE.sub("", text)
    return CODER_REFERENCE_RE.sub("var.coder", text) + (
        '\nvariable "coder" {\n  type    = string\n  default = "stub"\n}\n')


def have_binary():
    binary = os.environ.get("CVM_PROVIDER_BINARY", "")
    return bool(binary) and os.access(binary, os.X_OK)


class ExamplesTest(unittest.TestCase):
    def test_layout(self):
        dirs = example_dirs()
        for expected in ("provider", "quickstart", "gpu-workspace", "coder-template",
                         "resources/cvm_cluster_settings", "resources/cvm_workspace",
                         "data-sources/cvm_cluster_settings",
                         "data-sources/cvm_workspace_manifest"):
            self.assertIn(expected, dirs)
        self.assertTrue(os.path.isfile(os.path.join(EXAMPLES, "provider", "provider.tf")))

    def test_fmt(self):
        proc = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff", "-no-color",
                               EXAMPLES], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, CHECKPOINT_DISABLE="1"))
        self.assertEqual(proc.returncode, 0,
                         f"terraform fmt -check found unformatted examples:\n{proc.stdout}")

    def test_coder_template_is_fmt_only(self):
        text = read_tf(os.path.join(EXAMPLES, "coder-template"))
        self.assertIn("coder/coder", foreign_providers(text))

    def test_coder_template_validates_with_coder_stubbed(self):
        if not have_binary():
            self.skipTest("set CVM_PROVIDER_BINARY to the built provider")
        text = without_coder(read_tf(os.path.join(EXAMPLES, "coder-template")))
        self.assertEqual(foreign_providers(text), [], text)
        self.assertIn("var.coder", text)
        with tempfile.TemporaryDirectory() as src:
            with open(os.path.join(src, "main.tf"), "w") as f:
                f.write(text)
            self.validate_one("coder-template (coder stubbed)", src, text)

    def test_import_scripts_match_resources(self):
        for type_dir in sorted(os.listdir(os.path.join(EXAMPLES, "resources"))):
            d = os.path.join(EXAMPLES, "resources", type_dir)
            with open(os.path.join(d, "import.sh")) as f:
                script = f.read()
            with open(os.path.join(d, "resource.tf")) as f:
                resource = f.read()
            imports = re.findall(r"^terraform import (\S+) (\S+)$", script, re.M)
            self.assertTrue(imports, f"{type_dir}/import.sh has no terraform import line")
            for address, _ in imports:
                rtype, rname = address.split(".")
                self.assertEqual(rtype, type_dir)
                self.assertIn(f'resource "{rtype}" "{rname}"', resource)

    def test_validate(self):
        if not have_binary():
            self.skipTest("set CVM_PROVIDER_BINARY to the built provider")
        validated = []
        for rel in example_dirs():
            src = os.path.join(EXAMPLES, rel)
            text = read_tf(src)
            if foreign_providers(text):
                continue
            with self.subTest(example=rel):
                self.validate_one(rel, src, text)
                validated.append(rel)
        # Everything but the Coder template is validated.
        self.assertEqual(len(validated), len(example_dirs()) - 1, validated)

    def validate_one(self, rel, src, text):
        d = tfharness.TerraformDir()
        try:
            for name in os.listdir(src):
                full = os.path.join(src, name)
                if os.path.isfile(full):
                    shutil.copy2(full, os.path.join(d.path, name))
            if not REQUIRED_PROVIDERS_RE.search(text):
                d.write("required_providers_test.tf", tfharness.REQUIRED_PROVIDERS)
            init = d.run("init", "-no-color", "-input=false", "-backend=false")
            self.assertEqual(init.code, 0, f"examples/{rel}: {init!r}")
            result = d.run("validate", "-no-color")
            self.assertEqual(result.code, 0, f"examples/{rel}: {result!r}")
            self.assertIn("Success!", result.stdout)
            self.assertNotIn("Warning", result.output, f"examples/{rel}: {result!r}")
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
