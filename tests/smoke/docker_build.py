#!/usr/bin/env python3
"""Builds sluice the way the Dockerfile's build stage does, without Docker.

This machine (and CI) has no Docker engine, so `docker build` cannot be run
here. This script does what it would do up to the binary: it lays out the
build context as Docker would (the committed files, less what .dockerignore
excludes), then runs the build stage's RUN commands that follow its
`COPY . .`, read from the Dockerfile itself so the two cannot drift, with the
stage's paths (/src, /staging) moved into OUT. CI then smoke-tests
OUT/staging/usr/local/bin/sluice. It also checks that every shared library
the binary needs comes from a package the final stage installs (or from
libc6, which debian:12-slim has), so dropping or adding a library cannot
leave the image unable to start.

Usage: tests/smoke/docker_build.py OUT
Exits non-zero when a step fails (its output is shown).
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ignore_patterns():
    pats = []
    with open(os.path.join(REPO, ".dockerignore")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(line.rstrip("/"))
    return pats


def ignored(path, pats):
    """.dockerignore's rule: a pattern matches the path or one of its parents;
    `**` matches any number of folders (fnmatch's * already crosses /)."""
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for p in pats:
            if p.startswith("!"):
                continue            # not used by this project's .dockerignore
            q = p.replace("**/", "")
            if fnmatch.fnmatchcase(prefix, p) or fnmatch.fnmatchcase(prefix, q) \
               or fnmatch.fnmatchcase(parts[i - 1], q) and p.startswith("**/"):
                return True
    return False


def build_stage_runs():
    """The RUN commands of the first stage after its `COPY . .`."""
    text = open(os.path.join(REPO, "Dockerfile")).read()
    text = re.sub(r"\\\n", " ", text)
    runs, copied = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM") and copied:
            break
        if line == "COPY . .":
            copied = True
        elif copied and line.startswith("RUN "):
            runs.append(line[4:])
    return runs


def runtime_packages():
    """The packages the final stage's `apt-get install` names."""
    text = re.sub(r"\\\n", " ", open(os.path.join(REPO, "Dockerfile")).read())
    stages = re.split(r"^FROM ", text, flags=re.M)
    m = re.search(r"apt-get install -y --no-install-recommends([^&]*)", stages[-1])
    return set(m.group(1).split()) if m else set()


def check_needed(binary):
    """Returns the DT_NEEDED libraries of BINARY that no package of the final
    stage provides (libc6 is in the base image)."""
    out = subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                         text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    have = runtime_packages() | {"libc6"}
    missing = []
    for lib in needed:
        r = subprocess.run(["dpkg", "-S", "*/" + lib], capture_output=True, text=True)
        pkgs = {line.split(":")[0] for line in r.stdout.splitlines()}
        if not pkgs & have:
            missing.append("%s (from %s)" % (lib, ", ".join(sorted(pkgs)) or "no package"))
    return needed, missing


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = os.path.abspath(sys.argv[1])
    src, staging = os.path.join(out, "src"), os.path.join(out, "staging")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(src)
    pats = ignore_patterns()
    files = subprocess.run(["git", "-C", REPO, "ls-files", "-co", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    n = 0
    for f in files:
        if not f or ignored(f, pats) or not os.path.exists(os.path.join(REPO, f)):
            continue
        dst = os.path.join(src, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(REPO, f), dst)
        n += 1
    runs = build_stage_runs()
    if not runs:
        print("docker_build: no RUN after `COPY . .` in the Dockerfile", file=sys.stderr)
        return 1
    for cmd in runs:
        cmd = cmd.replace("/staging", staging)
        print("docker_build: RUN %s" % cmd)
        r = subprocess.run(cmd, shell=True, cwd=src, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            print("docker_build: failed (exit %d): %s" % (r.returncode, cmd), file=sys.stderr)
            return 1
    binary = os.path.join(staging, "usr/local/bin/sluice")
    print("docker_build: %d files in the context; built %s" % (n, binary))
    needed, missing = check_needed(binary)
    print("docker_build: needs %s" % " ".join(needed))
    if missing:
        print("docker_build: the final stage installs nothing that provides %s" % "; ".join(missing),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
