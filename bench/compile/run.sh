#!/usr/bin/env bash
# Compile cost of decor's attributes: times `cargo build` of crates of N
# decorated functions per variant and prints a Markdown table.
#
#   bench/compile/run.sh                      # N = 1000 (or $N), each variant once
#   bench/compile/run.sh --n 50               # quick check
#   bench/compile/run.sh --repeat 3 --variants none,timed,instrument
#
# Needs cargo and Python 3 (standard library only). The work is in
# compile_cost.py next to this script; see its docstring and README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "run.sh: $python not found; install Python 3 (3.9 or newer) or set PYTHON" >&2
    exit 2
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "run.sh: cargo not found on PATH" >&2
    exit 2
fi

exec "$python" "$here/compile_cost.py" "$@"
