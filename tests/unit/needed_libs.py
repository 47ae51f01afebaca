#!/usr/bin/env python3
"""Checks the shared libraries the sluice binary asks the loader for at start.

Usage: needed_libs.py path/to/sluice

Every library in DT_NEEDED is mapped (and its relocations faulted in) before
main() runs, which on small VMs is most of the start-up time (see
docs/architecture.md, "Start-up, second pass"). libzip is opened on first use
(runtime/libzip_load.c) and must not come back as a link-time dependency;
nor libcrypto (nettle does sluice's hashing), nor libmicrohttpd, whose Debian
build loads gnutls and eight more libraries (net/httpd.c serves HTTP; see
"Start-up, third pass"). Exits 77 (skip) without readelf.
"""

import shutil
import subprocess
import sys

# Libraries the start must not load, with why.
FORBIDDEN = {
    "libzip.so": "opened with dlopen() on first use (runtime/libzip_load.c)",
    "libcrypto.so": "not linked: SHA-256 and base64 come from nettle",
    "libmicrohttpd.so": "not linked: net/httpd.c serves HTTP with http-parser",
    "libgnutls.so": "not linked: sluice speaks plain HTTP only",
    "libhttp_parser.so": "linked statically (libhttp_parser.a)",
    "libyaml-0.so": "linked statically (libyaml.a, CloudFormation's YAML templates)",
}


def main():
    if shutil.which("readelf") is None:
        print("needed_libs: no readelf, skipped")
        return 77
    out = subprocess.run(["readelf", "-d", sys.argv[1]], check=True, capture_output=True,
                         text=True).stdout
    needed = [line.split("[", 1)[1].rstrip("]") for line in out.splitlines()
              if "(NEEDED)" in line]
    print("needed_libs:", " ".join(needed))
    bad = [(n, why) for n in needed for prefix, why in FORBIDDEN.items() if n.startswith(prefix)]
    for name, why in bad:
        print(f"needed_libs: {name} is linked, but should be {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
