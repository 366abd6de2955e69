#!/usr/bin/env python3
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
"""libcurl and the provider share one OpenSSL, safely.

The provider links OpenSSL statically and exports it (provider/CMakeLists.txt,
cvm_export_static_openssl), so libcurl, loaded at run time, calls the
provider's copy. That is only safe if every OpenSSL function libcurl and its
dependencies import is in the provider's dynamic symbol table: one missing
would bind to libssl.so.3 and mix two OpenSSLs' objects. This checks exactly
that, with nm and ldd, for the libcurl.so.4 on this machine.

Usage: curl_openssl_binding_test.py PROVIDER
Exit 0: all imports are exported; 1: some are missing (listed); 77 (skip):
the provider exports no OpenSSL (linked against the shared libraries).
"""
import re
import subprocess
import sys


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def dynamic_symbols(path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = run("nm", "-D", flag, path)
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def main():
    provider = sys.argv[1]
    exported = {s.split("@")[0] for s in dynamic_symbols(provider, True)}
    if "OpenSSL_version_num" not in exported:
        print(f"{provider} exports no OpenSSL; nothing to check")
        return 77
    libcurl = re.search(r"=> (\S*libcurl\.so\.4\S*)", run("ldconfig", "-p"))
    if not libcurl:
        print("libcurl.so.4 is not installed (Debian package libcurl4)")
        return 1
    libraries = [libcurl.group(1)] + re.findall(r"=> (/\S+)", run("ldd", libcurl.group(1)))
    missing = {}
    checked = 0
    for library in libraries:
        imports = {s.split("@")[0] for s in dynamic_symbols(library, False)
                   if "@OPENSSL_" in s}
        checked += len(imports)
        lacking = sorted(imports - exported)
        if lacking:
            missing[library] = lacking
    for library, symbols in missing.items():
        print(f"{library} imports OpenSSL functions the provider does not "
              f"export: {' '.join(symbols)}")
    if missing:
        return 1
    if checked == 0:
        print(f"{libcurl.group(1)} and its dependencies import no OpenSSL; "
              "is it the GnuTLS flavour?")
        return 1
    print(f"{checked} OpenSSL imports of libcurl and its dependencies: all "
          f"exported by {provider}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
