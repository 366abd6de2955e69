"""docs/ agrees with the provider's schema.

The schema comes from the real `terraform providers schema -json` against
CVM_PROVIDER_BINARY; release/gen_docs.py regenerates every marked section in
memory and the test fails with a diff when a page differs. Unit tests of the
renderer use small hand-written schemas and need no binary.
"""

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "release"))

import gen_docs  # noqa: E402

_SCHEMA = None


def schema():
    """The provider's part of `terraform providers schema -json`, fetched once."""
    global _SCHEMA
    if _SCHEMA is None:
        binary = os.environ.get("CVM_PROVIDER_BINARY", "")
        if not binary or not os.access(binary, os.X_OK):
            raise unittest.SkipTest("set CVM_PROVIDER_BINARY to the built provider")
        _SCHEMA = gen_docs.provider_part(gen_docs.schema_from_terraform(binary))
    return _SCHEMA


class DocsMatchSchemaTest(unittest.TestCase):
    def test_generated_sections_are_current(self):
        stale = []
        for rel, (old, new) in gen_docs.generate(schema()).items():
            if old != new:
                diff = "".join(difflib.unified_diff(
                    (old or "").splitlines(True), new.splitlines(True),
                    f"a/{rel}", f"b/{rel}", n=2))
                stale.append(f"{rel} ({'missing' if old is None else 'stale'}):\n{diff}")
        self.assertFalse(stale, "docs/ disagrees with the provider schema; run "
                         "release/gen_docs.py and commit the result:\n" + "\n".join(stale))

    def test_no_page_problems(self):
        self.assertEqual(gen_docs.problems(schema()), [])

    def test_check_mode_exit_code(self):
        binary = os.environ.get("CVM_PROVIDER_BINARY", "")
        if not binary:
            self.skipTest("no binary")
        self.assertEqual(gen_docs.main(["--check", "--provider", binary]), 0)

    def test_every_type_has_examples(self):
        s = schema()
        for type_name in s.get("resource_schemas", {}):
            for f in ("resource.tf", "import.sh"):
                path = os.path.join(ROOT, "examples", "resources", type_name, f)
                self.assertTrue(os.path.isfile(path), f"missing {path}")
        for type_name in s.get("data_source_schemas", {}):
            path = os.path.join(ROOT, "examples", "data-sources", type_name, "data-source.tf")
            self.assertTrue(os.path.isfile(path), f"missing {path}")

    def test_every_provider_argument_in_index_with_its_variable(self):
        with open(os.path.join(ROOT, "docs", "index.md")) as f:
            index = f.read()
        block = schema()["provider"]["block"]
        for name, attr in block["attributes"].items():
            self.assertIn(f"- `{name}` (", index)
            for env in gen_docs.ENV_RE.findall(attr.get("description") or ""):
                self.assertRegex(index, re.escape(f"| `{name}` | ") + r"[^\n]*" + re.escape(env))
        # Every KUBE_* variable the kube client reads is documented.
        with open(os.path.join(ROOT, "provider", "kube", "config.cc")) as f:
            read = set(re.findall(r'"(KUBE_[A-Z_]+)"', f.read()))
        self.assertTrue(read)
        for env in sorted(read):
            self.assertIn(f"`{env}`", index, f"{env} is read by the provider but not documented")

    def test_terraform_snippets_are_formatted(self):
        """Every ```terraform block in docs/ parses and is `terraform fmt` clean."""
        bad = []
        for dirpath, _, files in os.walk(os.path.join(ROOT, "docs")):
            for name in sorted(files):
                if not name.endswith(".md"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    text = f.read()
                for block in re.findall(r"```(?:terraform|hcl)\n(.*?)```", text, re.S):
                    proc = subprocess.run(["terraform", "fmt", "-no-color", "-"], input=block,
                                          capture_output=True, text=True, timeout=60)
                    if proc.returncode != 0 or proc.stdout != block:
                        bad.append(f"{os.path.relpath(path, ROOT)}:\n{block}\n{proc.stderr}")
        self.assertFalse(bad, "unformatted or invalid HCL in docs:\n" + "\n".join(bad))

    def test_relative_links_resolve(self):
        """Links between docs pages point at existing pages and headings (GitHub slugs)."""
        def slugs(text):
            found = set(re.findall(r'<a id="([^"]+)"></a>', text))
            for heading in re.findall(r"^#+ (.+)$", text, re.M):
                slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
                found.add(slug)
            return found

        bad = []
        docs = os.path.join(ROOT, "docs")
        for dirpath, _, files in os.walk(docs):
            for name in sorted(files):
                if not name.endswith(".md"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    text = f.read()
                prose = re.sub(r"```.*?```", "", text, flags=re.S)
                for target in re.findall(r"\]\(([^)\s]+)\)", prose):
                    if re.match(r"^[a-z]+:", target):
                        continue
                    file_part, _, anchor = target.partition("#")
                    dest = os.path.normpath(os.path.join(dirpath, file_part)) if file_part \
                        else path
                    if not os.path.isfile(dest):
                        bad.append(f"{os.path.relpath(path, ROOT)}: {target} (no such file)")
                        continue
                    if anchor:
                        with open(dest) as f:
                            if anchor not in slugs(f.read()):
                                bad.append(f"{os.path.relpath(path, ROOT)}: {target} "
                                           "(no such heading)")
        self.assertFalse(bad, "broken links in docs:\n" + "\n".join(bad))

    def test_guides_have_the_required_topics(self):
        guides = os.path.join(ROOT, "docs", "guides")
        with open(os.path.join(guides, "coder-templates.md")) as f:
            coder = f.read()
        for topic in ("coder_agent.main.token", "init_script", "start_count", "running",
                      "One state per workspace", "examples/coder-template/main.tf"):
            self.assertIn(topic, coder)
        with open(os.path.join(guides, "cluster-prerequisites.md")) as f:
            prereq = f.read()
        for topic in ("privileged", "hostPath", "pod-security.kubernetes.io/enforce",
                      "sysbox-runtime=running", "SELinux", "shiftfs", "NVIDIA",
                      "bare-metal", "1.18", "/tmp"):
            self.assertIn(topic, prereq)
        with open(os.path.join(ROOT, "docs", "index.md")) as f:
            index = f.read()
        for topic in ("aws", "eks", "get-token", "gke-gcloud-auth-plugin", "kubelogin",
                      "In-cluster", "Version compatibility", "OpenTofu", "Sysbox", "envbox"):
            self.assertIn(topic, index)


class ChangelogTest(unittest.TestCase):
    def test_top_section_is_the_current_version(self):
        with open(os.path.join(ROOT, "release", "VERSION")) as f:
            version = f.read().strip()
        with open(os.path.join(ROOT, "CHANGELOG.md")) as f:
            text = f.read()
        headings = re.findall(r"^## (\S+) \((.*)\)$", text, re.M)
        self.assertTrue(headings, "CHANGELOG.md has no '## X.Y.Z (...)' section")
        self.assertEqual(headings[0][0], version, "CHANGELOG.md's top section is not "
                         "release/VERSION")
        month = (r"(January|February|March|April|May|June|July|August|September|October|"
                 r"November|December) \d{1,2}, \d{4}")
        for _, when in headings:
            self.assertRegex(when, rf"^(Unreleased|{month})$")
        sections = re.findall(r"^([A-Z][A-Z ]+):$", text, re.M)
        for s in sections:
            self.assertIn(s, ("BREAKING CHANGES", "NOTES", "FEATURES", "ENHANCEMENTS",
                              "BUG FIXES", "DEPRECATIONS"))


# ---------------------------------------------------------------------------
# The renderer on hand-written schemas.

SAMPLE = {
    "attributes": {
        "name": {"type": "string", "required": True, "description": "The name."},
        "token": {"type": "string", "optional": True, "sensitive": True, "write_only": True,
                  "description": "A secret."},
        "labels": {"type": ["map", "string"], "optional": True},
        "id": {"type": "string", "computed": True, "description": "The ID."},
        "ports": {"type": ["list", ["object", {"port": "number", "name": "string"}]],
                  "computed": True},
        "mounts": {"nested_type": {"nesting_mode": "list", "attributes": {
            "source": {"type": "string", "required": True},
            "read_only": {"type": "bool", "optional": True}}}, "optional": True},
        "old": {"type": "bool", "optional": True, "deprecated": True},
    },
    "block_types": {
        "cpu": {"nesting_mode": "list", "min_items": 1, "max_items": 1,
                "block": {"description": "CPU.", "attributes": {
                    "limit": {"type": "string", "required": True}},
                    "block_types": {"inner": {"nesting_mode": "single", "block": {
                        "attributes": {"x": {"type": "number", "optional": True}}}}}}},
        "timeouts": {"nesting_mode": "single", "block": {"attributes": {
            "create": {"type": "string", "optional": True}}}},
    },
}


class RendererTest(unittest.TestCase):
    def setUp(self):
        self.text = gen_docs.render_schema(SAMPLE)

    def test_groups_and_order(self):
        t = self.text
        self.assertLess(t.index("### Required"), t.index("### Optional"))
        self.assertLess(t.index("### Optional"), t.index("### Read-Only"))
        required = t[t.index("### Required"):t.index("### Optional")]
        self.assertIn("- `cpu` (Block List, Min: 1, Max: 1) CPU. (see [below for nested "
                      "schema](#nestedblock--cpu))", required)
        self.assertIn("- `name` (String) The name.", required)
        self.assertLess(required.index("`cpu`"), required.index("`name`"))

    def test_flags(self):
        self.assertIn("- `token` (String, Sensitive, [Write-only](", self.text)
        self.assertIn("- `old` (Boolean, Deprecated)", self.text)
        self.assertIn("- `labels` (Map of String)", self.text)
        self.assertTrue(self.text.startswith("-> **Note** Write-only arguments"))

    def test_nested_schemas(self):
        t = self.text
        self.assertIn('<a id="nestedblock--cpu"></a>\n### Nested Schema for `cpu`\n\n'
                      "Required:\n\n- `limit` (String)\n\nOptional:\n\n- `inner` (Block)", t)
        self.assertIn("### Nested Schema for `cpu.inner`", t)
        self.assertIn('<a id="nestedblock--cpu--inner"></a>', t)
        self.assertIn("- `mounts` (Attributes List) (see [below for nested schema]"
                      "(#nestedatt--mounts))", t)
        self.assertIn("### Nested Schema for `mounts`\n\nRequired:\n\n- `source` (String)\n\n"
                      "Optional:\n\n- `read_only` (Boolean)", t)
        self.assertIn("- `ports` (List of Object) (see [below for nested schema]"
                      "(#nestedobjatt--ports))", t)
        self.assertIn("### Nested Schema for `ports`\n\nRead-Only:\n\n- `name` (String)\n"
                      "- `port` (Number)", t)
        # Breadth first: cpu's children come after every top-level nested schema.
        self.assertLess(t.index("Nested Schema for `timeouts`"),
                        t.index("Nested Schema for `cpu.inner`"))

    def test_environment_table(self):
        table = gen_docs.render_environment({"attributes": {
            "host": {"type": "string", "optional": True,
                     "description": "Server. Environment: `KUBE_HOST`."},
            "qps": {"type": "number", "optional": True}}})
        self.assertIn("| `host` | `KUBE_HOST` | String |", table)
        self.assertIn("| `qps` | - | Number |", table)


class SectionsTest(unittest.TestCase):
    def test_only_marked_text_changes(self):
        text = ("---\npage_title: x\n---\n# Prose\n\nhand written\n\n<!-- schema:begin -->\n"
                "old\n<!-- schema:end -->\n\n## Import\n\nmore prose\n")
        new = gen_docs.replace_sections(text, {"schema": "NEW\n"}, "x.md")
        self.assertEqual(new, text.replace("old\n", "NEW\n"))
        self.assertEqual(gen_docs.replace_sections(new, {"schema": "NEW\n"}, "x.md"), new)

    def test_markers_added_after_prose_before_import(self):
        text = "---\npage_title: x\n---\n# T\n\nprose\n\n## Import\n\nterraform import\n"
        marked = gen_docs.add_markers(text)
        self.assertIn("prose\n\n<!-- schema:begin -->\n<!-- schema:end -->\n\n## Import", marked)
        self.assertEqual(gen_docs.add_markers("# T\n\nprose\n"),
                         "# T\n\nprose\n\n<!-- schema:begin -->\n<!-- schema:end -->\n")

    def test_unterminated_marker_is_an_error(self):
        with self.assertRaises(SystemExit):
            gen_docs.replace_sections("<!-- schema:begin -->\nx\n", {"schema": ""}, "x.md")

    def test_include(self):
        text = ("<!-- include:examples/provider/provider.tf:begin -->\n"
                "<!-- include:examples/provider/provider.tf:end -->\n")
        new = gen_docs.replace_sections(text, {}, "x.md")
        self.assertIn("```terraform\n", new)
        self.assertIn('provider "cvm"', new)

    def test_new_pages_in_a_copy_of_docs(self):
        work = tempfile.mkdtemp(prefix="cvm-docs-test-")
        try:
            shutil.copytree(os.path.join(ROOT, "docs"), os.path.join(work, "docs"))
            shutil.rmtree(os.path.join(work, "docs", "resources"), ignore_errors=True)
            with open(os.path.join(ROOT, "docs", "index.md")) as f:
                self.assertIn("<!-- schema:begin -->", f.read())
            fake = {"provider": {"block": {"attributes": {}}},
                    "resource_schemas": {"cvm_thing": {"block": {
                        "description": "A thing.",
                        "attributes": {"id": {"type": "string", "computed": True}}}}}}
            pages = gen_docs.generate(fake, docs_root=work)
            old, new = pages["docs/resources/thing.md"]
            self.assertIsNone(old)
            self.assertIn('page_title: "cvm_thing Resource - terraform-provider-cvm"', new)
            self.assertIn("# cvm_thing (Resource)\n\nA thing.", new)
            self.assertIn("<!-- schema:begin -->\n## Schema\n\n### Read-Only\n\n- `id` (String)",
                          new)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
