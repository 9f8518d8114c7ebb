#!/usr/bin/env bash
# What the audit library costs whole programs: each workload under sigstorm
# with libsigstorm-audit.so (LD_AUDIT, the default) and without it (a copy of
# the shim with no auditor beside it, i.e. sigstorm before the audit check),
# interleaved run by run so the shared machine's noise hits both alike.
# Prints the median wall time of each and their ratio.
#
#   bench/audit_cost.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
build=${1:-build}
rounds=${2:-11}
cli=$build/bin/sigstorm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/noaudit"
cp "$build/lib/libsigstorm.so" "$work/noaudit/"
python3 -c "
import random
random.seed(1)
with open('$work/lines', 'w') as f:
    for i in range(300000): f.write('%08x %s\n' % (random.getrandbits(32), 'x' * random.randrange(40)))
"
head -c 4000000 /dev/urandom | base64 > "$work/blob"
echo "import json, re, collections
for _ in range(100000): json.dumps({'a': [1, 2, 3], 'b': re.sub('x', 'y', 'xax')})" > "$work/work.py"
# Debian's interpreter itself: a python3 found first on PATH may be a
# wrapper script (pyenv's starts a dozen processes), which would measure
# start-up instead of library calls.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
workloads=(
  "sort|sort $work/lines"
  "gzip|gzip -c $work/blob"
  "python3|$python $work/work.py"
  "git|git -C $repo log --stat -n 300"
)
now() { date +%s%N; }
for w in "${workloads[@]}"; do
  name=${w%%|*}
  cmd=${w#*|}
  audit=() plain=()
  for ((i = 0; i < rounds; i++)); do
    t0=$(now); eval "$cli run -- $cmd" > /dev/null 2>&1 || true; t1=$(now)
    eval "SIGSTORM_SHIM=$work/noaudit/libsigstorm.so $cli run -- $cmd" > /dev/null 2>&1 || true; t2=$(now)
    audit+=($(( (t1 - t0) / 1000 ))) plain+=($(( (t2 - t1) / 1000 )))
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  ma=$(median "${audit[@]}") mp=$(median "${plain[@]}")
  awk -v n="$name" -v a="$ma" -v p="$mp" 'BEGIN { printf "%-8s with audit %8.1f ms  without %8.1f ms  ratio %.3f\n", n, a / 1000, p / 1000, a / p }'
done
