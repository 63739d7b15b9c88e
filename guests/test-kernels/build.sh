#!/usr/bin/env bash
# Builds the Xenoserver PV test kernels into dist/<name>.elf plus
# dist/manifest.json, reproducibly (same bytes on every build with the same
# toolchain). Needs gcc + binutils (x86_64) and coreutils.
#
#   ./build.sh            build everything into dist/ and verify the ELFs
#   ./build.sh --check    rebuild into a temp dir and compare with dist/
#   ./build.sh NAME...    build only the named kernels (manifest untouched)
set -euo pipefail
export LC_ALL=C TZ=UTC
unset SOURCE_DATE_EPOCH || true

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

CC=${CC:-gcc}
LD=${LD:-ld}
READELF=${READELF:-readelf}
VIRT_BASE=0xffffffff80000000

mode=build
out=dist
only=()
for arg in "$@"; do
    case "$arg" in
    --check) mode=check ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
    esac
done
if [[ $mode == check ]]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi
objroot="$out/.obj"

CFLAGS=(
    -std=gnu11 -O2 -g0 -Wall -Wextra -Werror -Wno-unused-parameter
    -ffreestanding -fno-builtin-printf -fno-common -fno-strict-aliasing
    -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone
    -march=x86-64 -mtune=generic -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2
    -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables
    -fno-unwind-tables -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns
    -fno-ident -ffile-prefix-map="$here"=.
    -I../include -Ilib
)
LDFLAGS=(
    -nostdlib -static -T lib/link.ld --build-id=none
    -z max-page-size=0x1000 -z common-page-size=0x1000 -z noexecstack -z norelro
)
LIB_SRCS=(lib/entry.S lib/notes.S lib/console.c lib/format.c lib/mm.c lib/runtime.c lib/string.c lib/trap.c)

# ---- kernels.ini -----------------------------------------------------------
# Sections [name] with key = value lines; see README.md.
declare -A K
names=()
section=""
while IFS= read -r line || [[ -n $line ]]; do
    line="${line%$'\r'}"
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ $line =~ ^\[([a-z0-9-]+)\]$ ]]; then
        section="${BASH_REMATCH[1]}"
        names+=("$section")
        continue
    fi
    if [[ $line =~ ^([a-z_]+)[[:space:]]*=[[:space:]]?(.*)$ ]]; then
        [[ -n $section ]] || { echo "kernels.ini: key outside a section: $line" >&2; exit 1; }
        key="${BASH_REMATCH[1]}"
        val="${BASH_REMATCH[2]}"
        if [[ -n ${K[$section.$key]+x} ]]; then K[$section.$key]+=" $val"; else K[$section.$key]="$val"; fi
        continue
    fi
    echo "kernels.ini: cannot parse: $line" >&2
    exit 1
done < kernels.ini
mapfile -t names < <(printf '%s\n' "${names[@]}" | sort)

get() { local v="${K[$1.$2]-}"; [[ -n $v ]] || { echo "kernels.ini: [$1] missing $2" >&2; exit 1; }; printf '%s' "$v"; }

# ---- build -----------------------------------------------------------------
build_kernel() {
    local name="$1" transport page objdir
    transport="$(get "$name" transport)"
    case "$transport" in
    hypercall-page) page=1 ;;
    syscall) page=0 ;;
    *) echo "[$name] transport must be hypercall-page or syscall" >&2; exit 1 ;;
    esac
    [[ -f kernels/$name.c ]] || { echo "missing kernels/$name.c" >&2; exit 1; }
    objdir="$objroot/$name"
    mkdir -p "$objdir"
    local defs=(-DXEN_HCALL_PAGE=$page "-DTEST_NAME=\"$name\"")
    local objs=() src obj
    for src in "${LIB_SRCS[@]}" "kernels/$name.c"; do
        obj="$objdir/$(basename "${src%.*}").o"
        if [[ $src == *.S ]]; then
            "$CC" "${CFLAGS[@]}" -D__ASSEMBLY__ "${defs[@]}" -c "$src" -o "$obj"
        else
            "$CC" "${CFLAGS[@]}" "${defs[@]}" -c "$src" -o "$obj"
        fi
        objs+=("$obj")
    done
    "$LD" "${LDFLAGS[@]}" -o "$out/$name.elf" "${objs[@]}"
    tools/check-elf.sh "$out/$name.elf" "$page"
}

mkdir -p "$out"

# The formatter is plain C: check it against the host libc first.
selftest="$(mktemp -d)"
"$CC" -O1 -Wall -Werror -Dvsnprintf=tk_vsnprintf -c lib/format.c -o "$selftest/format.o"
"$CC" -O1 -Wall -Werror -Wno-format -o "$selftest/fmt-selftest" tools/fmt-selftest.c "$selftest/format.o"
"$selftest/fmt-selftest" || { rm -rf "$selftest"; echo "lib/format.c self-test failed" >&2; exit 1; }
rm -rf "$selftest"

if ((${#only[@]})); then
    for n in "${only[@]}"; do build_kernel "$n"; done
    exit 0
fi
for n in "${names[@]}"; do build_kernel "$n"; done
rm -rf "$objroot"

# ---- manifest ----------------------------------------------------------------
json_str() {
    local s="$1"
    s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\t'/\\t}"
    printf '"%s"' "$s"
}
{
    printf '{\n'
    printf '  "schema": 1,\n'
    printf '  "description": "Xenoserver PV test kernels (guests/test-kernels). Each kernel prints progress lines and ends with exactly one final line, then shuts down. See README.md.",\n'
    printf '  "protocol": {\n'
    printf '    "passLine": "TEST <name> PASS",\n'
    printf '    "failLine": "TEST <name> FAIL: <file>:<line>: <reason>",\n'
    printf '    "progressLinePrefix": "<name>: ",\n'
    printf '    "onPass": "SCHEDOP_shutdown with expectedShutdown",\n'
    printf '    "onFail": "SCHEDOP_shutdown(SHUTDOWN_crash)",\n'
    printf '    "outputChannels": "console_io = HYPERVISOR_console_io(CONSOLEIO_write); ring = PV console ring at start_info.console.domU. The final line appears exactly once on each channel listed in output.",\n'
    printf '    "cmdline": "optional: console=ring (ring only) or console=both mirrors all output to the PV console ring",\n'
    printf '    "harness": "single: one domain per host; evtchn-pair: two domains on one host (see README.md)"\n'
    printf '  },\n'
    printf '  "kernels": [\n'
    first=1
    for n in "${names[@]}"; do
        ((first)) || printf ',\n'
        first=0
        f="$out/$n.elf"
        size=$(stat -c %s "$f")
        sha=$(sha256sum "$f" | cut -d' ' -f1)
        entry=$("$READELF" -h "$f" | awk '/Entry point/ {print $4}')
        printf '    {\n'
        printf '      "name": %s,\n' "$(json_str "$n")"
        printf '      "image": %s,\n' "$(json_str "$n.elf")"
        printf '      "sha256": "%s",\n' "$sha"
        printf '      "sizeBytes": %s,\n' "$size"
        printf '      "entry": "%s",\n' "$entry"
        printf '      "hypercallTransport": %s,\n' "$(json_str "$(get "$n" transport)")"
        printf '      "memoryMiB": %s,\n' "$(get "$n" memory_mib)"
        printf '      "maxMemoryMiB": %s,\n' "$(get "$n" max_memory_mib)"
        printf '      "vcpus": %s,\n' "$(get "$n" vcpus)"
        printf '      "cmdline": %s,\n' "$(json_str "${K[$n.cmdline]-}")"
        printf '      "output": ['
        sep=""
        for ch in $(get "$n" output); do printf '%s%s' "$sep" "$(json_str "$ch")"; sep=", "; done
        printf '],\n'
        if [[ -n ${K[$n.input_send]-} ]]; then
            # input_send is written with JSON/C escapes (\n, \r) and copied as is.
            printf '      "consoleInput": { "channel": "ring", "waitFor": %s, "send": "%s" },\n' \
                "$(json_str "$(get "$n" input_wait_for)")" "$(get "$n" input_send)"
        else
            printf '      "consoleInput": null,\n'
        fi
        # harness: single (boot alone) or a named multi-domain set-up the test harness implements.
        printf '      "harness": %s,\n' "$(json_str "${K[$n.harness]-single}")"
        printf '      "expectedFinalLine": %s,\n' "$(json_str "TEST $n PASS")"
        printf '      "expectedShutdown": %s,\n' "$(json_str "$(get "$n" shutdown)")"
        printf '      "summary": %s,\n' "$(json_str "$(get "$n" summary)")"
        printf '      "tests": ['
        IFS=';' read -r -a items <<< "$(get "$n" tests)"
        sep=$'\n'
        for it in "${items[@]}"; do
            it="$(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' <<< "$it")"
            [[ -n $it ]] || continue
            printf '%s        %s' "$sep" "$(json_str "$it")"
            sep=$',\n'
        done
        printf '\n      ]\n'
        printf '    }'
    done
    printf '\n  ]\n}\n'
} > "$out/manifest.json"

if [[ $mode == check ]]; then
    status=0
    for f in manifest.json $(for n in "${names[@]}"; do echo "$n.elf"; done); do
        if ! cmp -s "$out/$f" "dist/$f"; then
            echo "DIFFERS: dist/$f (rebuild with ./build.sh and commit)" >&2
            status=1
        fi
    done
    extra=$(comm -13 <(printf '%s\n' manifest.json "${names[@]/%/.elf}" | sort) <(ls dist | sort) || true)
    if [[ -n $extra ]]; then echo "stale files in dist/: $extra" >&2; status=1; fi
    ((status == 0)) && echo "dist/ is up to date (${#names[@]} kernels, reproducible build)"
    exit $status
fi
echo "built ${#names[@]} kernels into $out/"
