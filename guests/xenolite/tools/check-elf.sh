#!/usr/bin/env bash
# Verifies a xenolite kernel image the way a Xen domain builder reads it
# (docs/xen-pv-abi.md §2): ELF64 x86-64 ET_EXEC, page-aligned PT_LOADs with
# vaddr - paddr = VIRT_BASE starting at paddr 0, no W+X segment, entry in the
# executable segment, and a PT_NOTE whose "Xen" notes carry GUEST_OS
# "xenolite", XEN_VERSION "xen-3.0", LOADER "generic", VIRT_BASE, PADDR_OFFSET
# 0, ENTRY = e_entry, HYPERCALL_PAGE (page aligned, inside the text segment)
# and FEATURES "!writable_page_tables|pae_pgdir_above_4gb".
# Usage: check-elf.sh FILE [--print]
set -euo pipefail
export LC_ALL=C
f="$1"
print="${2-}"
READELF=${READELF:-readelf}
VIRT_BASE=$((0xffffffff80000000))
die() { echo "check-elf: $f: $*" >&2; exit 1; }

hdr="$("$READELF" -hW "$f")"
grep -q 'Class:[[:space:]]*ELF64' <<< "$hdr" || die "not ELF64"
grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' <<< "$hdr" || die "not x86-64"
grep -q 'Type:[[:space:]]*EXEC' <<< "$hdr" || die "not ET_EXEC"
entry=$(( $(awk '/Entry point address/ {print $4}' <<< "$hdr") ))

mapfile -t phdrs < <("$READELF" -lW "$f" | awk '$1 ~ /^(LOAD|NOTE|INTERP|DYNAMIC|TLS)$/')
nload=0; note_off=-1; note_size=0; pstart=-1; pend=0; entry_ok=0; text_lo=0; text_hi=0
for ph in "${phdrs[@]}"; do
    read -r type off vaddr paddr filesz memsz rest <<< "$ph"
    flags="${rest% *}"; flags="${flags// /}"
    off=$((off)); vaddr=$((vaddr)); paddr=$((paddr)); filesz=$((filesz)); memsz=$((memsz))
    case "$type" in
    INTERP|DYNAMIC|TLS) die "unexpected $type program header" ;;
    NOTE) note_off=$off; note_size=$filesz ;;
    LOAD)
        nload=$((nload + 1))
        (( (vaddr - paddr) == VIRT_BASE )) || die "PT_LOAD vaddr - paddr != VIRT_BASE"
        (( (vaddr & 0xfff) == 0 && (off & 0xfff) == 0 )) || die "PT_LOAD not page aligned"
        ((memsz >= filesz)) || die "PT_LOAD memsz < filesz"
        [[ $flags == *W*E* ]] && die "writable and executable PT_LOAD"
        ((pstart < 0 || paddr >= pend)) || die "PT_LOADs overlap or are unsorted"
        ((pstart < 0)) && pstart=$paddr
        pend=$((paddr + memsz))
        if [[ $flags == *E* ]]; then
            text_lo=$vaddr; text_hi=$((vaddr + memsz))
            ((entry >= vaddr && entry < vaddr + memsz)) && entry_ok=1
        fi ;;
    esac
done
((nload >= 1)) || die "no PT_LOAD"
((pstart == 0)) || die "lowest p_paddr is $pstart, expected 0"
((entry_ok)) || die "entry point outside the executable PT_LOAD"
((note_off > 0 && note_size > 0)) || die "no PT_NOTE"

mapfile -t bytes < <(od -An -v -tx1 -j "$note_off" -N "$note_size" "$f" | tr -s ' ' '\n' | sed '/^$/d')
le() { local o=$1 n=$2 v=0 i; for ((i = n - 1; i >= 0; i--)); do v=$(( (v << 8) | 0x${bytes[o + i]} )); done; echo $v; }
str() { local o=$1 n=$2 s="" i c; for ((i = 0; i < n; i++)); do c=${bytes[o + i]}; [[ $c == 00 ]] && break; s+=$(printf "\\x$c"); done; printf '%s' "$s"; }
declare -A num txt
pos=0
while ((pos + 12 <= ${#bytes[@]})); do
    namesz=$(le $pos 4); descsz=$(le $((pos + 4)) 4); ntype=$(le $((pos + 8)) 4)
    [[ $(str $((pos + 12)) "$namesz") == Xen ]] || die "non-Xen note in PT_NOTE"
    desc=$((pos + 12 + ((namesz + 3) & ~3)))
    case $descsz in 1|2|4|8) num[$ntype]=$(le $desc "$descsz") ;; esac
    txt[$ntype]=$(str $desc "$descsz")
    pos=$((desc + ((descsz + 3) & ~3)))
done
[[ ${txt[6]-} == xenolite ]] || die "GUEST_OS is '${txt[6]-}', expected xenolite"
[[ ${txt[5]-} == xen-3.0 ]] || die "XEN_VERSION note missing or wrong"
[[ ${txt[8]-} == generic ]] || die "LOADER note missing or wrong"
[[ ${txt[10]-} == '!writable_page_tables|pae_pgdir_above_4gb' ]] || die "FEATURES note wrong: '${txt[10]-}'"
(( ${num[1]--1} == entry )) || die "ENTRY note != e_entry"
(( ${num[3]--1} == VIRT_BASE )) || die "VIRT_BASE note wrong"
[[ ${num[4]-x} == 0 ]] || die "PADDR_OFFSET note missing or not 0"
hp=${num[2]-}
[[ -n $hp ]] || die "HYPERCALL_PAGE note missing"
(( (hp & 0xfff) == 0 && hp >= text_lo && hp + 4096 <= text_hi )) || die "HYPERCALL_PAGE not a page inside the text segment"
if [[ $print == --print ]]; then
    printf 'GUEST_OS=%s GUEST_VERSION=%s XEN_VERSION=%s LOADER=%s\n' "${txt[6]}" "${txt[7]-}" "${txt[5]}" "${txt[8]}"
    printf 'ENTRY=%#x HYPERCALL_PAGE=%#x VIRT_BASE=%#x PADDR_OFFSET=%s FEATURES=%s\n' \
        "$entry" "$hp" "$VIRT_BASE" "${num[4]}" "${txt[10]}"
fi
exit 0
