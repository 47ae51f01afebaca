#!/bin/sh
# Runs a libFuzzer target with a scratch corpus directory first (where new
# inputs are written) and the checked-in seed corpus after it (read only).
# Usage: run_fuzz.sh TARGET SCRATCH_DIR SEED_DIR [libFuzzer flags...]
set -eu
target=$1 scratch=$2 seeds=$3
shift 3
mkdir -p "$scratch"
exec "$target" "$@" "$scratch" "$seeds"
