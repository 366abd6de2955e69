"""End-to-end: a table of invalid configurations.

Each configuration goes through the real `terraform validate -json` and
`terraform plan -json` with the built provider. Every case must

  * exit 1, with an error diagnostic that carries the expected text and
    points at the attribute (its source range lands on the line of main.tf
    that holds the attribute, or, for whole-block errors, the text names it);
  * make no API request: each case runs with a client certificate of its
    own, so the API server's audit log counts exactly its requests. validate
    must make none at all, plan no write (and, since every rule here is a
    configuration rule, no read either).

Classes: wrong types, unknown keys and blocks, missing and repeated blocks,
bad quantities (cpu, memory, home size), bad CIDRs, bad mounts (relative,
`..`, `,`/`:`, `/tmp`, private envbox paths, the home directory,
duplicates), AMD GPUs and GPU counts, names that are not DNS labels, huge
strings, non-UTF-8 bytes, NUL bytes, reserved environment variables, label
keys and values, annotations over 256 KiB, durations, enums, and the
provider block itself.
"""

import concurrent.futures
import json
import threading
import unittest

from tfharness import INNER_IMAGE, ClusterTestCase, needs_cluster

HUGE = 1 << 20  # 1 MiB
# Longest a diagnostic may be for a case with a huge value: the value must
# not be echoed back whole.
MAX_DIAGNOSTIC = 4096


def workspace(extra="", *, name='"w"', namespace='"NS"', image=f'"{INNER_IMAGE}"',
              cpu='limit = "2"', memory='limit = "4Gi"', blocks=None):
    """A cvm_workspace; `extra` lines go inside; `blocks` replaces cpu+memory."""
    if blocks is None:
        blocks = f"  cpu {{\n    {cpu}\n  }}\n  memory {{\n    {memory}\n  }}\n"
    return (f'resource "cvm_workspace" "w" {{\n  name        = {name}\n'
            f'  namespace   = {namespace}\n  inner_image = {image}\n'
            f'{extra}\n{blocks}}}\n')


def settings(extra="", namespace='"NS"'):
    return f'resource "cvm_cluster_settings" "s" {{\n  namespace = {namespace}\n{extra}\n}}\n'


def mount(source, target):
    return f'  mounts = [{{ source = "{source}", target = "{target}" }}]'


# (case, configuration, attribute, text). The attribute must be on the line
# the diagnostic's range points at (a "text:" prefix: in summary or detail
# instead, for diagnostics about a whole block); the text must be in the
# summary or detail. "NS" is replaced by an existing namespace.
CASES = [
    # --- wrong types (Terraform's own checks against the schema) -------------
    ("bool given a string", workspace('  running = "maybe"'), "running", "a bool is required"),
    ("string given a list", workspace(cpu='limit = ["2"]'), "limit", "string required"),
    ("number given a word", workspace("  gpu {\n    count = \"two\"\n  }"), "count",
     "a number is required"),
    ("map given a list", workspace('  env = ["A=1"]'), "env", "map of string required"),
    ("list of objects given a string", workspace('  mounts = "a:/opt/a"'), "mounts",
     "list of object required"),
    ("object missing an attribute", workspace('  mounts = [{ source = "a" }]'), "mounts",
     '"target" is required'),
    ("settings bool given a string", settings('  caching = "yes please"'), "caching",
     "a bool is required"),
    ("settings map given a string",
     settings('  runtime_class {\n    node_selector = "sysbox"\n  }'), "node_selector",
     "map of string required"),
    # --- unknown keys, missing and repeated blocks ------------------------------
    ("unknown argument", workspace('  nmae = "x"'), "nmae", "Unsupported argument"),
    ("unknown block", workspace('  disk {\n    size = "10Gi"\n  }'), "disk",
     "Unsupported block type"),
    ("unknown settings argument", settings("  cachin = true"), "cachin",
     "Unsupported argument"),
    ("unknown nested argument", workspace(cpu='limit = "2"\n    limt = "3"'), "limt",
     "Unsupported argument"),
    ("missing required argument", workspace().replace(f'  inner_image = "{INNER_IMAGE}"\n', ""),
     "text:inner_image", "Missing required argument"),
    ("missing cpu block", workspace(blocks='  memory {\n    limit = "4Gi"\n  }\n'), "text:cpu",
     "Missing cpu block"),
    ("repeated cpu block", workspace('  cpu {\n    limit = "1"\n  }'), "cpu",
     "Duplicate cpu block"),
    # --- quantities ---------------------------------------------------------------
    ("cpu with a unit word", workspace(cpu='limit = "2 cores"'), "limit", "2 cores"),
    ("negative cpu", workspace(cpu='limit = "-2"'), "limit", "non-negative"),
    ("zero cpu", workspace(cpu='limit = "0"'), "limit", "greater than zero"),
    ("cpu exponent overflow", workspace(cpu='limit = "1e999"'), "limit", "too large"),
    ("cpu request above limit", workspace(cpu='request = "4"\n    limit = "2"'), "request",
     "Request Exceeds Limit"),
    ("memory in GiB spelling", workspace(memory='limit = "4GiB"'), "limit", "4GiB"),
    ("memory hex", workspace(memory='limit = "0x10"'), "limit", "0x10"),
    ("memory empty", workspace(memory='limit = ""'), "limit", "quantity"),
    ("memory request above limit", workspace(memory='request = "8Gi"\n    limit = "4Gi"'),
     "request", "Request Exceeds Limit"),
    ("home size word", workspace('  home {\n    size = "lots"\n  }'), "size", "lots"),
    ("home size below 10Gi", workspace('  home {\n    size = "5Gi"\n  }'), "size",
     "Home Volume Too Small"),
    ("home size in bytes below 10Gi", workspace('  home {\n    size = "1000000"\n  }'), "size",
     "Home Volume Too Small"),
    # --- CIDRs ----------------------------------------------------------------------
    ("cidr /31", settings('  docker_bridge_cidr = "172.19.0.0/31"'), "docker_bridge_cidr",
     "too small"),
    ("cidr ipv6", settings('  docker_bridge_cidr = "fd00::/64"'), "docker_bridge_cidr",
     "IPv6"),
    ("cidr overlapping docker0", settings('  docker_bridge_cidr = "172.17.4.0/30"'),
     "docker_bridge_cidr", "172.17.0.0/16"),
    ("cidr octet above 255", settings('  docker_bridge_cidr = "300.1.1.0/30"'),
     "docker_bridge_cidr", "exceeds 255"),
    ("cidr without prefix", settings('  docker_bridge_cidr = "172.19.0.1"'),
     "docker_bridge_cidr", "not an IPv4 CIDR"),
    ("cidr prefix 33", settings('  docker_bridge_cidr = "10.0.0.0/33"'), "docker_bridge_cidr",
     "/32"),
    ("cidr leading zero", settings('  docker_bridge_cidr = "172.019.0.0/30"'),
     "docker_bridge_cidr", "leading zero"),
    ("cidr empty", settings('  docker_bridge_cidr = ""'), "docker_bridge_cidr",
     "not an IPv4 CIDR"),
    # --- mounts ---------------------------------------------------------------------
    ("mount target under /tmp", workspace(mount("a", "/tmp/a")), "mounts",
     "Mount Target Under /tmp"),
    ("mount target /tmp itself", workspace(mount("a", "/tmp")), "mounts",
     "Mount Target Under /tmp"),
    ("mount target via ..", workspace(mount("a", "/opt/../tmp")), "mounts", "'..'"),
    ("mount target relative", workspace(mount("a", "opt/a")), "mounts", "absolute path"),
    ("mount target with colon", workspace(mount("a", "/opt/a:ro")), "mounts", "CODER_MOUNTS"),
    ("mount target private", workspace(mount("a", "/var/lib/docker")), "mounts",
     "Private to envbox"),
    ("mount target home", workspace(mount("a", "/home/coder")), "mounts",
     "Mount Target Is the Home Directory"),
    ("mount source escaping", workspace(mount("../etc", "/opt/x")), "mounts",
     "relative directory inside the home volume"),
    ("mount source absolute", workspace(mount("/etc", "/opt/x")), "mounts",
     "relative directory inside the home volume"),
    ("duplicate mount targets",
     workspace('  mounts = [\n    { source = "a", target = "/opt/x" },\n'
               '    { source = "b", target = "/opt/x" },\n  ]'), "target",
     "Duplicate Mount Target"),
    # --- GPUs -----------------------------------------------------------------------
    ("amd gpu vendor", settings('  gpu_vendor = "amd"'), "gpu_vendor", "NVIDIA"),
    ("unknown gpu vendor", settings('  gpu_vendor = "intel"'), "gpu_vendor", "intel"),
    ("zero gpus", workspace("  gpu {\n    count = 0\n  }"), "count", "from 1 to 16"),
    ("fractional gpus", workspace("  gpu {\n    count = 1.5\n  }"), "count", "whole number"),
    ("gpu in sysbox mode", workspace('  mode = "sysbox"\n  gpu {\n    count = 1\n  }'),
     "text:gpu", "GPUs Need envbox Mode"),
    # --- names ----------------------------------------------------------------------
    ("name with underscore and capital", workspace(name='"Dev_1"'), "name", "RFC 1123"),
    ("name starting with a dash", workspace(name='"-dev"'), "name", "RFC 1123"),
    ("name ending with a dash", workspace(name='"dev-"'), "name", "RFC 1123"),
    ("name empty", workspace(name='""'), "name", "RFC 1123"),
    ("name 58 characters", workspace(name='"' + "a" * 58 + '"'), "name", "at most 57"),
    ("name non-ascii", workspace(name='"dév"'), "name", "RFC 1123"),
    ("name with NUL", workspace(name='"de\\u0000v"'), "name", "RFC 1123"),
    ("namespace with dots", workspace(namespace='"team.dev"'), "namespace", "RFC 1123"),
    ("settings namespace capital", settings(namespace='"Coder"'), "namespace", "RFC 1123"),
    ("hostname with underscore", workspace('  inner_hostname = "workspace_cvm"'),
     "inner_hostname", "RFC 1123"),
    ("username with space", workspace('  inner_username = "Bad User"'), "inner_username",
     "Bad User"),
    ("username 33 characters", workspace('  inner_username = "' + "u" * 33 + '"'),
     "inner_username", "u" * 33),
    ("pull secret name", workspace('  image_pull_secret = "Reg_Cred"'), "image_pull_secret",
     "RFC 1123 subdomain"),
    ("runtime class handler", settings('  runtime_class {\n    handler = "sysbox_runc"\n  }'),
     "handler", "RFC 1123"),
    ("label key", workspace('  labels = { "bad key!" = "x" }'), "labels", "bad key!"),
    ("node selector key", workspace('  node_selector = { "a/b/c" = "x" }'), "node_selector",
     "a/b/c"),
    ("label value", workspace('  labels = { app = "bad value!" }'), "labels",
     'the value of key "app", "bad value!", is not a valid Kubernetes label value'),
    ("label value of 64 characters", workspace('  labels = { app = "' + "v" * 64 + '" }'),
     "labels", "(64 characters, over 63)"),
    ("node selector value", workspace('  node_selector = { pool = "-gpu" }'), "node_selector",
     'the value of key "pool", "-gpu"'),
    ("runtime class node selector value",
     settings('  runtime_class {\n    node_selector = { pool = "gpu_" }\n  }'), "node_selector",
     'the value of key "pool", "gpu_"'),
    # --- images, enums, durations, env ----------------------------------------------
    ("inner image with spaces", workspace(image='"Not A Valid Image!"'), "inner_image",
     "Not A Valid Image!"),
    ("envbox image bad tag", workspace('  image = "ghcr.io/coder/envbox:bad tag"'), "image",
     "bad tag"),
    ("mode unknown", workspace('  mode = "docker"'), "mode", "docker"),
    ("pod security unknown", settings('  pod_security = "admin"'), "pod_security", "admin"),
    ("toleration operator", workspace('  tolerations = [{ operator = "Maybe" }]'),
     "tolerations", "Maybe"),
    ("create timeout words", workspace('  timeouts {\n    create = "ten minutes"\n  }'),
     "create", "ten minutes"),
    ("reserved env token", workspace('  env = { CODER_AGENT_TOKEN = "x" }'), "env",
     "Reserved Environment Variable"),
    ("reserved env mounts", workspace('  env = { CODER_MOUNTS = "/a:/b" }'), "env",
     "Reserved Environment Variable"),
    ("shiftfs without caching", settings("  auto_load_shiftfs = true"), "auto_load_shiftfs",
     "Requires Caching"),
    ("unprivileged envbox", workspace("  privileged = false"), "privileged",
     "envbox Needs a Privileged Pod"),
    ("host network in sysbox mode", workspace('  mode = "sysbox"\n  host_network = true'),
     "host_network", "Not Supported in sysbox Mode"),
    # --- huge strings -------------------------------------------------------------------
    ("huge name", workspace(name='"' + "a" * HUGE + '"'), "name", "RFC 1123"),
    ("huge inner image", workspace(image='"docker.io/' + "a" * HUGE + '"'), "inner_image",
     "too long"),
    ("huge label key", workspace('  labels = { "' + "k" * HUGE + '" = "x" }'), "labels",
     "label"),
    ("huge annotations over 256 KiB",
     workspace('  annotations = { note = "' + "n" * (256 << 10) + '" }'), "annotations",
     "Kubernetes allows 262144 bytes (256 KiB) per object"),
    ("huge mount target", workspace(mount("a", "/tmp/" + "t" * HUGE)), "mounts", "/tmp"),
    ("huge cidr", settings('  docker_bridge_cidr = "' + "1" * HUGE + '"'),
     "docker_bridge_cidr", "CIDR"),
    ("huge quantity", workspace(cpu='limit = "' + "9" * HUGE + '"'), "limit", "too large"),
    # --- non-UTF-8 and other bytes Terraform refuses ----------------------------------------
    ("raw invalid UTF-8 in a string", workspace(name='"dev\udcff"'), "text:main.tf",
     "UTF-8"),
    ("invalid UTF-8 from base64decode", workspace(name='base64decode("ZGV2/w==")'), "name",
     "UTF-8"),
    ("invalid UTF-8 from a variable",
     'variable "n" {\n  type = string\n}\n' + workspace(name="var.n"), "name", "RFC 1123"),
    # --- the provider block -------------------------------------------------------------
    ("provider unknown argument", "PROVIDER:  hosts = \"x\"", "hosts", "Unsupported argument"),
    ("provider burst zero", "PROVIDER:  burst = 0", "burst", "from 1 to 100000"),
    ("provider request timeout words", 'PROVIDER:  request_timeout = "forever"',
     "request_timeout", "forever"),
    ("provider exec api version",
     'PROVIDER:  exec {\n    api_version = "v1"\n    command = "true"\n  }', "api_version",
     "client.authentication.k8s.io"),
    ("provider token and exec",
     'PROVIDER:  token = "t"\n  exec {\n    api_version = "client.authentication.k8s.io/v1"\n'
     '    command = "true"\n  }', "text:exec", "Conflicting Credentials"),
]
# The variable of "invalid UTF-8 from a variable" (environment bytes are not
# UTF-8 checked by the shell, so Terraform sees them raw).
VARIABLE_BYTES = b"dev\xff\xfe"


def diagnostics_of(result, command):
    """Error diagnostics from -json output of validate or plan."""
    if command == "validate":
        try:
            doc = json.loads(result.stdout)
        except ValueError:
            return []
        return [d for d in doc.get("diagnostics", []) if d.get("severity") == "error"]
    out = []
    for line in result.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "diagnostic" and event["diagnostic"].get("severity") == "error":
            out.append(event["diagnostic"])
    return out


# Cases Terraform cannot batch with others: a file that is not UTF-8 fails
# to load as a whole, and `validate` does not evaluate variables.
# Huge values run one case at a time too: Terraform renders the snippets of
# many megabyte-long lines slowly.
SEPARATE = {"raw invalid UTF-8 in a string": ("validate", "plan"),
            "invalid UTF-8 from a variable": ("plan",)}
SEPARATE.update({c[0]: ("validate", "plan") for c in CASES if c[0].startswith("huge ")})


@needs_cluster
class InvalidConfigTest(ClusterTestCase):
    """All batchable cases go into one configuration, each as its own
    resource (or provider alias), so one `validate` and one `plan` check
    them all: Terraform validates every block and reports every error, and
    each diagnostic is matched to its case by the lines it points at."""

    def setUp(self):
        self.namespace = self.new_namespace("inv")

    def user_provider(self, cert, extra="", alias=None):
        """A provider block with the client certificate `cert` (cert file, key file)."""
        crt, key = cert
        return self.cluster.host_provider_block(extra, cert_file=crt, key_file=key, alias=alias)

    def case_text(self, i, config, cert):
        """The configuration of case `i` with its own block names."""
        if config.startswith("PROVIDER:"):
            alias = f"p{i}"
            return (self.user_provider(cert, config[len("PROVIDER:"):] + "\n", alias) +
                    settings(f"  provider = cvm.{alias}", f'"{self.namespace}"')
                    .replace('"s"', f'"c{i}"'))
        return (config.replace('"NS"', f'"{self.namespace}"')
                .replace('resource "cvm_workspace" "w"', f'resource "cvm_workspace" "c{i}"')
                .replace('resource "cvm_cluster_settings" "s"',
                         f'resource "cvm_cluster_settings" "c{i}"')
                .replace('variable "n"', f'variable "n{i}"').replace("var.n", f"var.n{i}"))

    def build(self, indexes, cert):
        """main.tf for the cases `indexes` and {index: (first, last) line}."""
        text = self.main_tf("", self.user_provider(cert))
        spans = {}
        for i in indexes:
            first = text.count("\n") + 1
            text += self.case_text(i, CASES[i][1], cert)
            spans[i] = (first, text.count("\n"))
        return text, spans

    def test_every_invalid_configuration_fails_with_the_attribute_and_no_request(self):
        offset = self.cluster.audit.mark()
        names = [c[0] for c in CASES]
        batch = [i for i, n in enumerate(names) if n not in SEPARATE]
        # (label, command, case indexes, env)
        runs = [("batch", "validate", batch, None), ("batch", "plan", batch, None)]
        for name, commands in SEPARATE.items():
            i = names.index(name)
            env = None
            if "var." in CASES[i][1]:
                env = {f"TF_VAR_n{i}": VARIABLE_BYTES.decode("utf-8", "surrogateescape")}
            runs += [(f"case{i}", command, [i], env) for command in commands]
        dirs = {label: self.tf("", provider="", init=False)
                for label in sorted({r[0] for r in runs})}
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda d: d.init(), dirs.values()))

        def execute(run):
            label, command, indexes, env = run
            user, *cert = self.mint_user(f"inv-{label}-{command}")
            main, spans = self.build(indexes, cert)
            d = dirs[label]
            args = (["validate", "-json", "-no-color"] if command == "validate" else
                    ["plan", "-json", "-no-color", "-input=false", "-lock=false"])
            # validate and plan of one label share a directory: one at a time.
            with locks[label]:
                d.write("main.tf", main)
                result = d.run(*args, env=env)
            return run, user, main, spans, result

        locks = {label: threading.Lock() for label in dirs}
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            outcomes = list(pool.map(execute, runs))
        events = self.cluster.audit.events_since(offset, stage=None)
        audit = {o[1]: [e for e in events if e.get("user", {}).get("username") == o[1]]
                 for o in outcomes}

        for (label, command, indexes, _), user, main, spans, result in outcomes:
            with self.subTest(run=label, command=command):
                print(f"{label} {command}: exit {result.code} in {result.seconds:.1f}s, "
                      f"{len(audit[user])} API requests")
                self.assertEqual(result.code, 1, f"{label} {command}\n{result.stdout[:4000]}"
                                 f"\n{result.stderr[:2000]}")
                # No API request at all: every rule here is a configuration rule.
                self.assertEqual([(e["verb"], e.get("requestURI")) for e in audit[user]], [],
                                 f"{label} {command} made API requests")
            diags = diagnostics_of(result, command)
            for i in indexes:
                name, _, attr, text = CASES[i]
                first, last = spans[i]
                with self.subTest(case=name, command=command):
                    mine = [g for g in diags
                            if first <= (g.get("range") or {}).get("start", {}).get("line", 0)
                            <= last or len(indexes) == 1]
                    matching = [g for g in mine
                                if text in g.get("summary", "") + "\n" + g.get("detail", "")]
                    self.assertTrue(matching, f"{name}: {command}: no error with {text!r}: "
                                    f"{json.dumps(mine)[:4000]}")
                    self.assertTrue(any(names_attribute(g, attr, main) for g in matching),
                                    f"{name}: {command}: no error naming {attr!r}: "
                                    f"{json.dumps(matching)[:4000]}")
                    for g in mine:
                        self.assertLess(len(g.get("summary", "") + g.get("detail", "")),
                                        MAX_DIAGNOSTIC,
                                        f"{name}: {command}: a diagnostic echoes a huge value")


def names_attribute(diag, attr, main):
    """True when `diag` points at the line of `main` holding `attr` (or, for
    "text:" attributes, mentions it in summary or detail)."""
    if attr.startswith("text:"):
        want = attr[len("text:"):]
        blob = diag.get("summary", "") + "\n" + diag.get("detail", "")
        rng = diag.get("range") or {}
        return want in blob or want == rng.get("filename")
    rng = diag.get("range")
    if not rng or rng.get("filename") != "main.tf":
        return False
    lines = main.split("\n")
    first, last = rng["start"]["line"], rng["end"]["line"]
    text = "\n".join(lines[first - 1:last])
    return attr in text


if __name__ == "__main__":
    unittest.main()
