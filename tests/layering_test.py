"""The layering rule, checked: a provider/ folder includes only what its
library's link line names.

Each folder of provider/ is one CMake library (cvm_library in its
CMakeLists.txt) whose DEPS are its dependency rule. This test reads those
DEPS and fails on any include of another folder's header ("provider/X/...")
that is not among them, of another folder's internal/ headers, and on includes of gRPC, protobuf (and the
generated proto/ headers), yaml-cpp, OpenSSL or libcurl from a folder whose
DEPS do not name that library. provider/main.cc, the binary, may use every
layer. Python 3 standard library only.
"""

import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROVIDER = os.path.join(ROOT, "provider")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
LIBRARY = re.compile(r"cvm_library\(\s*(\w+)(.*?)\)", re.S)

# Third-party include prefixes, and the DEPS entries that allow them.
THIRD_PARTY = {
    ("grpcpp/", "grpc/"): ("PkgConfig::GRPCPP",),
    ("google/protobuf/", "proto/"): ("cvm_proto",),
    ("yaml-cpp/",): ("PkgConfig::YAMLCPP",),
    ("openssl/",): ("OpenSSL::SSL", "OpenSSL::Crypto"),
    # libcurl is loaded with dlopen (kube/internal/curl_api.cc): dl libraries.
    ("curl/",): ("${CMAKE_DL_LIBS}",),
}


def library_deps(folder):
    """The DEPS words of the folder's cvm_library."""
    with open(os.path.join(PROVIDER, folder, "CMakeLists.txt")) as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    match = LIBRARY.search(text)
    if match is None:
        return None
    words = match.group(2).split()
    return set(words[words.index("DEPS") + 1:]) if "DEPS" in words else set()


def bad_includes(folder, deps, includes):
    """The includes (of a file of `folder`) that its DEPS do not allow."""
    allowed = {folder} | {d[len("cvm_"):] for d in deps if d.startswith("cvm_")}
    bad = []
    for inc in includes:
        if inc.startswith("provider/"):
            layer = inc.split("/")[1]
            # provider/X/internal/ is X's own business.
            if layer not in allowed or ("/internal/" in inc and layer != folder):
                bad.append(inc)
            continue
        for prefixes, needs in THIRD_PARTY.items():
            if inc.startswith(prefixes) and not deps & set(needs):
                bad.append(inc)
    return bad


def violations(folder, deps):
    """(file, include) pairs of `folder` that its DEPS do not allow."""
    found = []
    for dirpath, _, files in os.walk(os.path.join(PROVIDER, folder)):
        for name in files:
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                includes = INCLUDE.findall(f.read())
            found += [(os.path.relpath(path, ROOT), inc)
                      for inc in bad_includes(folder, deps, includes)]
    return found


class LayeringTest(unittest.TestCase):
    def test_every_folder_includes_only_what_its_library_links(self):
        folders = sorted(d for d in os.listdir(PROVIDER)
                         if os.path.isdir(os.path.join(PROVIDER, d)))
        self.assertIn("resources", folders)
        checked = 0
        for folder in folders:
            deps = library_deps(folder)
            if deps is None:
                continue
            checked += 1
            with self.subTest(folder=folder):
                self.assertEqual(violations(folder, deps), [],
                                 f"provider/{folder} includes beyond its DEPS {sorted(deps)}")
        self.assertGreaterEqual(checked, 8)

    def test_the_check_finds_includes_beyond_the_deps(self):
        kube = library_deps("kube")
        self.assertEqual(bad_includes("kube", kube, ["provider/kube/client.h",
                                                     "provider/util/log.h",
                                                     "provider/resources/provider.h",
                                                     "grpcpp/grpcpp.h",
                                                     "yaml-cpp/yaml.h"]),
                         ["provider/resources/provider.h", "grpcpp/grpcpp.h"])
        self.assertEqual(bad_includes("values", library_deps("values"),
                                      ["openssl/sha.h", "proto/tfplugin6.pb.h",
                                       "provider/values/internal/json_text.h"]),
                         ["openssl/sha.h", "proto/tfplugin6.pb.h"])
        self.assertEqual(bad_includes("schema", library_deps("schema"),
                                      ["provider/values/internal/json_text.h"]),
                         ["provider/values/internal/json_text.h"])


if __name__ == "__main__":
    unittest.main()
