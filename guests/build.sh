#!/usr/bin/env bash
# Builds the Xenoserver guest images into guests/dist/ (committed, so machines
# without gcc can run them) plus guests/dist/catalog.json.
#
#   guests/build.sh            build dist/xenolite and dist/catalog.json, verify the ELF
#   guests/build.sh --check    build twice in two temporary directories, require
#                              identical bytes, and compare with the committed dist/
#
# Reproducible: same bytes on every build with the same toolchain (no
# timestamps, --build-id=none, -ffile-prefix-map, fixed sorted inputs,
# SOURCE_DATE_EPOCH ignored). Needs gcc + binutils for x86-64, bash, coreutils.
set -euo pipefail
export LC_ALL=C TZ=UTC
unset SOURCE_DATE_EPOCH || true

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC=${CC:-gcc}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
READELF=${READELF:-readelf}

# ---- image.conf -------------------------------------------------------------
declare -A CONF
read_conf() {
    local file="$1" line
    CONF=()
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        [[ $line =~ ^([a-z_]+)[[:space:]]*=[[:space:]]?(.*)$ ]] || { echo "$file: cannot parse: $line" >&2; exit 1; }
        CONF[${BASH_REMATCH[1]}]="${BASH_REMATCH[2]}"
    done < "$file"
}

# ---- xenolite -----------------------------------------------------------------
COMMON_CFLAGS=(
    -std=gnu11 -O2 -g0 -Wall -Wextra -Werror -Wno-unused-parameter
    -ffreestanding -fno-builtin -fno-common -fno-strict-aliasing -fno-pic -fno-pie
    -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mgeneral-regs-only -march=x86-64 -mtune=generic
    -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-tree-loop-distribute-patterns -fno-ident
)

# build_xenolite OUTDIR: writes OUTDIR/xenolite; objects under OUTDIR/.obj
build_xenolite() {
    local out="$1" src="$here/xenolite" obj="$1/.obj/xenolite"
    read_conf "$src/image.conf"
    local version="${CONF[version]}"
    mkdir -p "$obj/user" "$obj/kernel"
    # Relative file names in anything the compiler records (__FILE__ etc.).
    local cflags=("${COMMON_CFLAGS[@]}" "-ffile-prefix-map=$src=xenolite"
                  -I"$src/include" -I"$src/lib" -I"$here/include")

    # User mode: the shell, a static ELF at 0x400000 (user/link.ld).
    local uobjs=() f o
    for f in user/crt0.S user/commands.c user/lineedit.c user/sh.c user/ulib.c user/workloads.c \
             lib/format.c lib/string.c; do
        o="$obj/user/$(basename "${f%.*}").o"
        "$CC" "${cflags[@]}" -mcmodel=small -I"$src/user" -c "$src/$f" -o "$o"
        uobjs+=("$o")
    done
    "$LD" -nostdlib -static -T "$src/user/link.ld" --build-id=none -z max-page-size=0x1000 \
        -z noexecstack -z norelro -o "$obj/sh.full.elf" "${uobjs[@]}"
    "$OBJCOPY" --strip-all "$obj/sh.full.elf" "$obj/sh.elf"

    # Kernel, with the shell embedded (kernel/user_image.S .incbin "sh.elf").
    local kobjs=()
    for f in kernel/entry.S kernel/notes.S kernel/user_image.S kernel/console.c kernel/events.c \
             kernel/exec.c kernel/main.c kernel/mm.c kernel/sched.c kernel/syscall.c \
             kernel/time.c kernel/trap.c kernel/vm.c kernel/xenstore.c lib/format.c lib/string.c; do
        o="$obj/kernel/$(basename "${f%.*}").o"
        if [[ $f == *.S ]]; then
            "$CC" "${cflags[@]}" -mcmodel=kernel -D__ASSEMBLY__ "-DXENOLITE_VERSION=\"$version\"" \
                -Wa,-I"$obj" -c "$src/$f" -o "$o"
        else
            "$CC" "${cflags[@]}" -mcmodel=kernel "-DXENOLITE_VERSION=\"$version\"" \
                -I"$src/kernel" -c "$src/$f" -o "$o"
        fi
        kobjs+=("$o")
    done
    "$LD" -nostdlib -static -T "$src/kernel/link.ld" --build-id=none -z max-page-size=0x1000 \
        -z common-page-size=0x1000 -z noexecstack -z norelro -o "$out/xenolite" "${kobjs[@]}"
    "$src/tools/check-elf.sh" "$out/xenolite"
}

json_str() {
    local s="$1"
    s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
    printf '"%s"' "$s"
}

write_catalog() {
    local out="$1" f="$1/xenolite"
    read_conf "$here/xenolite/image.conf"
    {
        printf '{\n'
        printf '  "schema": 1,\n'
        printf '  "description": "Guest images built by guests/build.sh (sources in guests/<name>/, see guests/README.md). Each image is a 64-bit Xen PV ELF kernel.",\n'
        printf '  "images": [\n'
        printf '    {\n'
        printf '      "name": %s,\n' "$(json_str "${CONF[name]}")"
        printf '      "file": %s,\n' "$(json_str "xenolite")"
        printf '      "version": %s,\n' "$(json_str "${CONF[version]}")"
        printf '      "format": "xen-pv-elf64",\n'
        printf '      "sha256": "%s",\n' "$(sha256sum "$f" | cut -d' ' -f1)"
        printf '      "sizeBytes": %s,\n' "$(stat -c %s "$f")"
        printf '      "memoryMiB": %s,\n' "${CONF[memory_mib]}"
        printf '      "vcpus": %s,\n' "${CONF[vcpus]}"
        printf '      "cmdline": %s,\n' "$(json_str "${CONF[cmdline]}")"
        printf '      "console": "pv-ring",\n'
        printf '      "prompt": "xenolite:~$ ",\n'
        printf '      "description": %s\n' "$(json_str "${CONF[description]}")"
        printf '    }\n'
        printf '  ]\n'
        printf '}\n'
    } > "$out/catalog.json"
}

build_all() {
    local out="$1"
    mkdir -p "$out"
    build_xenolite "$out"
    write_catalog "$out"
    rm -rf "$out/.obj"
}

case "${1-}" in
"")
    build_all "$here/dist"
    echo "built guests/dist/xenolite ($(stat -c %s "$here/dist/xenolite") bytes) and guests/dist/catalog.json"
    ;;
--check)
    a="$(mktemp -d)"; b="$(mktemp -d)/second/build"
    trap 'rm -rf "$a" "${b%/second/build}"' EXIT
    build_all "$a"
    build_all "$b"
    status=0
    for f in xenolite catalog.json; do
        ha=$(sha256sum < "$a/$f" | cut -d' ' -f1); hb=$(sha256sum < "$b/$f" | cut -d' ' -f1)
        if [[ $ha != "$hb" ]]; then
            echo "NOT REPRODUCIBLE: $f differs between two builds ($ha vs $hb)" >&2; status=1
        elif ! cmp -s "$a/$f" "$here/dist/$f"; then
            echo "DIFFERS: guests/dist/$f is not what the sources build (run guests/build.sh and commit)" >&2; status=1
        else
            echo "ok $f $ha"
        fi
    done
    exit $status
    ;;
-h|--help) sed -n '2,12p' "$0" ;;
*) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
esac
