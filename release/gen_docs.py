#!/usr/bin/env python3
"""Generates the attribute-reference sections of docs/ from the provider's schema.

The schema comes from the real `terraform providers schema -json`, run in a
temporary working directory whose CLI configuration installs `cvm/cvm` from a
private filesystem mirror holding the built provider binary. Only the text
between marker lines is ours; everything around it is hand-written prose:

    <!-- schema:begin -->              the "## Schema" reference (tfplugindocs style)
    <!-- schema:end -->
    <!-- schema:environment:begin -->  provider arguments and their KUBE_* variables
    <!-- schema:environment:end -->
    <!-- include:examples/x/y.tf:begin -->   a file of the repository, fenced
    <!-- include:examples/x/y.tf:end -->

A resource or data source page that does not exist yet is created with a
frontmatter, the schema's description, its example and the markers; a page
that exists without markers gets them appended after its prose (before a
final "## Import" section, where tfplugindocs puts the schema).

    release/gen_docs.py                 build ./build if needed, update docs/
    release/gen_docs.py --check         exit 1 and print a diff when docs/ is stale
    release/gen_docs.py --provider BIN  use this binary (or CVM_PROVIDER_BINARY)
    release/gen_docs.py --schema FILE   use a saved `terraform providers schema -json`
    release/gen_docs.py --dump-schema FILE   save the schema JSON as well

Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROVIDER_ADDRESS = "registry.terraform.io/cvm/cvm"
PROVIDER_NAME = "cvm"
WRITE_ONLY_LINK = ("[Write-only](https://developer.hashicorp.com/terraform/language/"
                   "resources/ephemeral#write-only-arguments)")


def version():
    with open(os.path.join(ROOT, "release", "VERSION")) as f:
        return f.read().strip()


# --------------------------------------------------------------------------
# Getting the schema from terraform.


def default_provider_binary(build_dir):
    """Builds (or reuses) the provider in build_dir with CMake and returns its path."""
    binary = os.path.join(build_dir, "provider", "terraform-provider-cvm")
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja"], check=True,
                       stdout=sys.stderr)
    subprocess.run(["cmake", "--build", build_dir, "--target", "terraform-provider-cvm"],
                   check=True, stdout=sys.stderr)
    return binary


def terraform_env(cli_config):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KUBE_"))}
    env.update({"TF_CLI_CONFIG_FILE": cli_config, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                "CHECKPOINT_DISABLE": "1"})
    return env


def mirror_config(mirror, work):
    """Writes a CLI configuration installing cvm/cvm from `mirror` only."""
    rc = os.path.join(work, ".terraformrc")
    with open(rc, "w") as f:
        f.write('provider_installation {\n'
                f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
                f'    include = ["{PROVIDER_ADDRESS}"]\n  }}\n'
                f'  direct {{ exclude = ["{PROVIDER_ADDRESS}"] }}\n}}\n')
    return rc


def install_unpacked(binary, mirror):
    """Puts binary into `mirror` in the unpacked layout (protocol.md 6.3)."""
    pkg = os.path.join(mirror, PROVIDER_ADDRESS, version(), "linux_amd64")
    os.makedirs(pkg, exist_ok=True)
    shutil.copy2(binary, os.path.join(pkg, f"terraform-provider-cvm_v{version()}"))


def schema_from_terraform(binary):
    """Runs `terraform providers schema -json` against binary; returns the provider's part."""
    with tempfile.TemporaryDirectory(prefix="cvm-docs-") as work:
        mirror = os.path.join(work, "mirror")
        install_unpacked(binary, mirror)
        tf = os.path.join(work, "tf")
        os.makedirs(tf)
        with open(os.path.join(tf, "main.tf"), "w") as f:
            f.write('terraform {\n  required_providers {\n'
                    '    cvm = { source = "cvm/cvm" }\n  }\n}\n')
        env = terraform_env(mirror_config(mirror, work))
        for args in (["init", "-no-color", "-input=false"],
                     ["providers", "schema", "-json"]):
            proc = subprocess.run(["terraform", *args], cwd=tf, env=env, capture_output=True,
                                  text=True, timeout=300)
            if proc.returncode != 0:
                raise SystemExit(f"terraform {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return json.loads(proc.stdout)


def provider_part(full):
    try:
        return full["provider_schemas"][PROVIDER_ADDRESS]
    except KeyError:
        raise SystemExit(f"no {PROVIDER_ADDRESS} in the schema JSON")


# --------------------------------------------------------------------------
# Rendering, in the style of hashicorp/terraform-plugin-docs (schemamd).


def type_name(t):
    if isinstance(t, str):
        return {"string": "String", "number": "Number", "bool": "Boolean",
                "dynamic": "Dynamic"}[t]
    kind, elem = t[0], t[1]
    if kind in ("list", "set", "map"):
        return f"{kind.capitalize()} of {type_name(elem)}"
    if kind == "object":
        return "Object"
    if kind == "tuple":
        return "Tuple"
    raise ValueError(f"unknown type {t!r}")


def object_of(t):
    """The attribute types of an object type, or of the element of a collection of objects."""
    if isinstance(t, list):
        if t[0] == "object":
            return t[1]
        if t[0] in ("list", "set", "map"):
            return object_of(t[1])
    return None


def description(d):
    text = (d.get("description") or "").strip()
    return "\n  ".join(line.rstrip() for line in text.splitlines())


def group_of(item, is_block):
    """0 Required, 1 Optional, 2 Read-Only (as tfplugindocs groups children)."""
    if is_block:
        if item.get("min_items", 0) > 0:
            return 0
        block = item.get("block", {})
        every = [a for a in block.get("attributes", {}).values()]
        if every and all(a.get("computed") and not a.get("optional") and not a.get("required")
                         for a in every) and not block.get("block_types"):
            return 2
        return 1
    if item.get("required"):
        return 0
    if item.get("optional"):
        return 1
    return 2


GROUP_TITLES = ["Required", "Optional", "Read-Only"]


class Renderer:
    """Renders one block: the child lists, then every nested schema, breadth first."""

    def __init__(self):
        self.queue = []  # (anchor, title path, kind, payload, parent group)

    def child_line(self, name, item, is_block, path, group):
        parts = []
        anchor = None
        if is_block:
            mode = item.get("nesting_mode", "single")
            head = {"single": "Block", "group": "Block", "list": "Block List",
                    "set": "Block Set", "map": "Block Map"}[mode]
            parts.append(head)
            if mode in ("list", "set"):
                if item.get("min_items"):
                    parts.append(f"Min: {item['min_items']}")
                if item.get("max_items"):
                    parts.append(f"Max: {item['max_items']}")
            if item.get("block", {}).get("deprecated"):
                parts.append("Deprecated")
            anchor = "nestedblock--" + "--".join(path + [name])
            self.queue.append((anchor, path + [name], "block", item["block"], group))
            desc = description(item.get("block", {}))
        else:
            if "nested_type" in item:
                mode = item["nested_type"].get("nesting_mode", "single")
                parts.append({"single": "Attributes", "list": "Attributes List",
                              "set": "Attributes Set", "map": "Attributes Map"}[mode])
                anchor = "nestedatt--" + "--".join(path + [name])
                self.queue.append((anchor, path + [name], "nested", item["nested_type"], group))
            else:
                parts.append(type_name(item["type"]))
                obj = object_of(item["type"])
                if obj is not None:
                    anchor = "nestedobjatt--" + "--".join(path + [name])
                    self.queue.append((anchor, path + [name], "object", obj, group))
            if item.get("sensitive"):
                parts.append("Sensitive")
            if item.get("write_only"):
                parts.append(WRITE_ONLY_LINK)
            if item.get("deprecated"):
                parts.append("Deprecated")
            desc = description(item)
        line = f"- `{name}` ({', '.join(parts)})"
        if desc:
            line += " " + desc
        if anchor:
            line += f" (see [below for nested schema](#{anchor}))"
        return line

    def children(self, block, path, top, parent_group=None):
        """The grouped child lists of a block (or nested attribute object)."""
        groups = {0: [], 1: [], 2: []}
        items = [(n, a, False) for n, a in block.get("attributes", {}).items()]
        items += [(n, b, True) for n, b in block.get("block_types", {}).items()]
        for name, item, is_block in sorted(items, key=lambda x: x[0]):
            g = group_of(item, is_block)
            if parent_group == 2:
                g = 2  # everything inside a read-only value is read-only
            groups[g].append(self.child_line(name, item, is_block, path, g))
        out = []
        for g in (0, 1, 2):
            if not groups[g]:
                continue
            out.append(f"### {GROUP_TITLES[g]}" if top else f"{GROUP_TITLES[g]}:")
            out.append("")
            out.extend(groups[g])
            out.append("")
        return out

    def objects(self, attr_types, path, parent_group):
        title = GROUP_TITLES[parent_group] if parent_group is not None else "Read-Only"
        lines = [f"{title}:", ""]
        for name in sorted(attr_types):
            t = attr_types[name]
            line = f"- `{name}` ({type_name(t)})"
            obj = object_of(t)
            if obj is not None:
                anchor = "nestedobjatt--" + "--".join(path + [name])
                self.queue.append((anchor, path + [name], "object", obj, parent_group))
                line += f" (see [below for nested schema](#{anchor}))"
            lines.append(line)
        lines.append("")
        return lines

    def render(self, block, heading="## Schema"):
        out = []
        if any_write_only(block):
            out += ["-> **Note** Write-only arguments are supported in Terraform 1.11 and "
                    "later and in OpenTofu 1.11 and later.", ""]
        out += [heading, ""]
        out += self.children(block, [], top=True)
        while self.queue:
            anchor, path, kind, payload, group = self.queue.pop(0)
            out.append(f'<a id="{anchor}"></a>')
            out.append(f"### Nested Schema for `{'.'.join(path)}`")
            out.append("")
            if kind == "block":
                out += self.children(payload, path, top=False,
                                     parent_group=2 if group == 2 else None)
            elif kind == "nested":
                out += self.children({"attributes": payload.get("attributes", {})}, path,
                                     top=False, parent_group=2 if group == 2 else None)
            else:
                out += self.objects(payload, path, group)
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"


def any_write_only(block):
    for a in block.get("attributes", {}).values():
        if a.get("write_only"):
            return True
        if "nested_type" in a and any_write_only(a["nested_type"]):
            return True
    return any(any_write_only(b.get("block", {})) for b in block.get("block_types", {}).values())


def render_schema(block):
    return Renderer().render(block)


ENV_RE = re.compile(r"Environment: `(KUBE_[A-Z_]+)`")


def render_environment(provider_block):
    """A table of every provider argument and the environment variable that sets it."""
    rows = ["| Argument | Environment variable | Type |", "|---|---|---|"]
    items = [(n, a, False) for n, a in provider_block.get("attributes", {}).items()]
    items += [(n, b, True) for n, b in provider_block.get("block_types", {}).items()]
    for name, item, is_block in sorted(items, key=lambda x: x[0]):
        if is_block:
            rows.append(f"| `{name}` block | - | Block |")
            continue
        env = ENV_RE.findall(item.get("description") or "")
        typ = type_name(item["type"])
        if item.get("sensitive"):
            typ += ", sensitive"
        rows.append(f"| `{name}` | {', '.join(f'`{e}`' for e in env) or '-'} | {typ} |")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------
# Pages and marked sections.


def marker(name, end):
    return f"<!-- {name}:{'end' if end else 'begin'} -->"


MARKER_RE = re.compile(r"^<!-- (schema(?::[a-z]+)?|include:[^ ]+):begin -->$", re.M)


def replace_sections(text, generators, path):
    """Replaces the content between every begin/end pair; generators maps a name to text."""
    out = []
    pos = 0
    for m in MARKER_RE.finditer(text):
        if m.start() < pos:
            continue
        name = m.group(1)
        end = marker(name, True)
        end_at = text.find("\n" + end, m.end())
        if end_at < 0:
            raise SystemExit(f"{path}: {m.group(0)} has no matching {end}")
        if name.startswith("include:"):
            content = include(name[len("include:"):], path)
        elif name in generators:
            content = generators[name]
        else:
            raise SystemExit(f"{path}: nothing generates section {name!r}")
        out.append(text[pos:m.end()])
        out.append("\n" + content)
        pos = end_at + 1
    out.append(text[pos:])
    return "".join(out)


def include(rel, page):
    full = os.path.normpath(os.path.join(ROOT, rel))
    if not full.startswith(ROOT + os.sep) or not os.path.isfile(full):
        raise SystemExit(f"{page}: include of missing file {rel}")
    with open(full) as f:
        body = f.read().rstrip("\n")
    lang = {".tf": "terraform", ".sh": "shell", ".yaml": "yaml", ".json": "json"}.get(
        os.path.splitext(rel)[1], "")
    return f"```{lang}\n{body}\n```\n"


def page_kind_dir(kind):
    return {"resource": "resources", "data-source": "data-sources"}[kind]


def example_rel(kind, type_name_):
    sub = {"resource": "resources", "data-source": "data-sources"}[kind]
    return f"examples/{sub}/{type_name_}/{'resource' if kind == 'resource' else 'data-source'}.tf"


def new_page(kind, type_name_, block):
    """A page for a type that has none yet: frontmatter, description, example, markers."""
    label = "Resource" if kind == "resource" else "Data Source"
    desc = (block.get("description") or "").strip()
    first = desc.split("\n\n")[0].replace("\n", " ")
    lines = ["---",
             f'page_title: "{type_name_} {label} - terraform-provider-cvm"',
             'subcategory: ""',
             "description: |-",
             f"  {first}" if first else "  ",
             "---", "",
             f"# {type_name_} ({label})", ""]
    if desc:
        lines += [desc, ""]
    example = example_rel(kind, type_name_)
    if os.path.exists(os.path.join(ROOT, example)):
        lines += ["## Example Usage", "", marker(f"include:{example}", False),
                  marker(f"include:{example}", True), ""]
    lines += [marker("schema", False), marker("schema", True)]
    imp = f"examples/resources/{type_name_}/import.sh"
    if kind == "resource" and os.path.exists(os.path.join(ROOT, imp)):
        lines += ["", "## Import", "", marker(f"include:{imp}", False),
                  marker(f"include:{imp}", True)]
    return "\n".join(lines) + "\n"


def add_markers(text):
    """Inserts the schema markers into a page that has none: after its prose."""
    block = marker("schema", False) + "\n" + marker("schema", True) + "\n"
    m = list(re.finditer(r"^## ", text, re.M))
    if m and text[m[-1].start():].startswith("## Import"):
        at = m[-1].start()
        return text[:at] + block + "\n" + text[at:]
    return text.rstrip("\n") + "\n\n" + block


def expected_pages(schema):
    """{relative path: (kind, type, block)} of every page the schema calls for."""
    pages = {}
    for kind, key in (("resource", "resource_schemas"), ("data-source", "data_source_schemas")):
        for type_name_, s in sorted(schema.get(key, {}).items()):
            short = type_name_[len(PROVIDER_NAME) + 1:]
            rel = f"docs/{page_kind_dir(kind)}/{short}.md"
            pages[rel] = (kind, type_name_, s["block"])
    return pages


def generate(schema, docs_root=ROOT):
    """Returns {relative path: (old text or None, new text)} for every generated page."""
    results = {}
    provider_block = schema["provider"]["block"]
    index = "docs/index.md"
    gens = {"schema": render_schema(provider_block),
            "schema:environment": render_environment(provider_block)}
    old = read(os.path.join(docs_root, index))
    if old is None:
        raise SystemExit(f"{index} is missing (it is hand-written around its markers)")
    results[index] = (old, replace_sections(old, gens, index))
    for rel, (kind, type_name_, block) in expected_pages(schema).items():
        old = read(os.path.join(docs_root, rel))
        text = old
        if text is None:
            text = new_page(kind, type_name_, block)
        elif marker("schema", False) not in text:
            text = add_markers(text)
        results[rel] = (old, replace_sections(text, {"schema": render_schema(block)}, rel))
    # Guides and any other page may include example files.
    for sub in ("guides",):
        d = os.path.join(docs_root, "docs", sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".md"):
                rel = f"docs/{sub}/{name}"
                old = read(os.path.join(docs_root, rel))
                results[rel] = (old, replace_sections(old, {}, rel))
    return results


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


FRONTMATTER_RE = re.compile(r"\A---\n(.*?\n)---\n", re.S)


def problems(schema, docs_root=ROOT):
    """What tfplugindocs validate would object to: stray pages, missing frontmatter."""
    found = []
    pages = expected_pages(schema)
    for sub in ("resources", "data-sources"):
        d = os.path.join(docs_root, "docs", sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            rel = f"docs/{sub}/{name}"
            if rel not in pages:
                found.append(f"{rel}: no such {sub[:-1]} in the provider's schema")
    for rel in ["docs/index.md"] + sorted(pages) + sorted(
            f"docs/guides/{n}" for n in (os.listdir(os.path.join(docs_root, "docs", "guides"))
                                         if os.path.isdir(os.path.join(docs_root, "docs",
                                                                       "guides")) else [])):
        text = read(os.path.join(docs_root, rel))
        if text is None:
            continue
        m = FRONTMATTER_RE.match(text)
        if not m:
            found.append(f"{rel}: no YAML frontmatter (--- page_title ... ---)")
        elif "page_title:" not in m.group(1):
            found.append(f"{rel}: frontmatter without page_title")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when docs/ is stale")
    parser.add_argument("--provider", default=os.environ.get("CVM_PROVIDER_BINARY"),
                        help="provider binary (default: CVM_PROVIDER_BINARY, else build it)")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                        help="CMake build dir used when no binary is given")
    parser.add_argument("--schema", help="a saved `terraform providers schema -json` output")
    parser.add_argument("--dump-schema", help="also write the schema JSON here")
    args = parser.parse_args(argv)

    if args.schema:
        with open(args.schema) as f:
            full = json.load(f)
    else:
        binary = args.provider or default_provider_binary(args.build_dir)
        full = schema_from_terraform(binary)
    if args.dump_schema:
        with open(args.dump_schema, "w") as f:
            json.dump(full, f, indent=2, sort_keys=True)
    schema = provider_part(full)

    results = generate(schema)
    stale = []
    for rel, (old, new) in results.items():
        if old == new:
            continue
        stale.append(rel)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                (old or "").splitlines(True), new.splitlines(True),
                f"a/{rel}", f"b/{rel}"))
        else:
            path = os.path.join(ROOT, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(new)
            print(f"{'created' if old is None else 'updated'} {rel}", file=sys.stderr)
    found = problems(schema)
    for p in found:
        print(f"problem: {p}", file=sys.stderr)
    if args.check and stale:
        print(f"\n{len(stale)} page(s) disagree with the schema: {', '.join(stale)}\n"
              "Run release/gen_docs.py to update them.", file=sys.stderr)
        return 1
    if found:
        return 1
    if not stale:
        print("docs/ agrees with the schema", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
