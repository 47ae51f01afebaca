#!/bin/sh
# Runs a libFuzzer target with a scratch corpus directory first (where new
# inputs are written) and the checked-in seed corpus after it (read only).
# Usage: run_fuzz.sh TARGET SCRATCH_DIR SEED_DIR [libFuzzer flags...]
set -eu
target=$1 scratch=$2 seeds=$3
shift 3
mkdir -p "$scratch"
# The libraries a target links are built with -fsanitize=undefined, which
# recovers by default: without this, undefined behaviour in them is only
# printed and the run still passes.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
exec "$target" "$@" "$scratch" "$seeds"
