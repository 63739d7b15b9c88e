#!/usr/bin/env bash
# Regenerates libs/x86-core/test/fpu/vectors/fpu-vectors.txt.gz from the host CPU.
# Needs gcc and an x86-64 host with SSE2. The output is deterministic for a given CPU vendor
# (inputs come from a fixed-seed PRNG); commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/libs/x86-core/test/fpu/vectors/fpu-vectors.txt.gz"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
gcc -O0 -msse2 -Wall -Werror -o "$tmp/oracle" "$here/oracle.c"
"$tmp/oracle" > "$tmp/vectors.txt"
gzip -9 -n -c "$tmp/vectors.txt" > "$out"
echo "$(wc -l < "$tmp/vectors.txt") vectors -> $out ($(wc -c < "$out") bytes)"
grep -m1 'model name' /proc/cpuinfo || true
