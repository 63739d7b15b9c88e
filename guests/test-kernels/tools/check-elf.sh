#!/usr/bin/env bash
# Verifies a test-kernel ELF with readelf/od: header, program headers, and the
# Xen ELF notes (parsed from the PT_NOTE segment the way a domain builder does,
# docs/xen-pv-abi.md §2). Usage: check-elf.sh FILE.elf HCALL_PAGE(0|1)
set -euo pipefail
export LC_ALL=C
f="$1"
want_page="$2"
READELF=${READELF:-readelf}
VIRT_BASE=$((0xffffffff80000000))
die() { echo "check-elf: $f: $*" >&2; exit 1; }

hdr="$("$READELF" -hW "$f")"
grep -q 'Class:[[:space:]]*ELF64' <<< "$hdr" || die "not ELF64"
grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' <<< "$hdr" || die "not x86-64"
grep -q 'Type:[[:space:]]*EXEC' <<< "$hdr" || die "not ET_EXEC"
entry=$(( $(awk '/Entry point address/ {print $4}' <<< "$hdr") ))

# Program headers: Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align
mapfile -t phdrs < <("$READELF" -lW "$f" | awk '$1 ~ /^(LOAD|NOTE|INTERP|DYNAMIC|GNU_STACK|TLS)$/')
nload=0; note_off=-1; note_size=0
pstart=-1; pend=0; entry_ok=0; text_lo=0; text_hi=0
for ph in "${phdrs[@]}"; do
    read -r type off vaddr paddr filesz memsz rest <<< "$ph"
    flags="${rest% *}"; flags="${flags// /}"
    off=$((off)); vaddr=$((vaddr)); paddr=$((paddr)); filesz=$((filesz)); memsz=$((memsz))
    case "$type" in
    INTERP|DYNAMIC|TLS) die "unexpected $type program header" ;;
    NOTE)
        ((off != 0)) || die "PT_NOTE with p_offset 0"
        note_off=$off; note_size=$filesz ;;
    LOAD)
        nload=$((nload + 1))
        (( (vaddr - paddr) == VIRT_BASE )) || die "PT_LOAD vaddr-paddr != VIRT_BASE"
        (( (vaddr & 0xfff) == 0 && (off & 0xfff) == 0 )) || die "PT_LOAD not page aligned"
        ((memsz >= filesz)) || die "PT_LOAD memsz < filesz"
        [[ $flags == *W*E* || $flags == *WE* ]] && die "writable+executable PT_LOAD"
        ((paddr >= pend || pstart < 0)) || die "PT_LOADs overlap or are not sorted"
        ((pstart < 0)) && pstart=$paddr
        pend=$((paddr + memsz))
        if [[ $flags == *E* ]]; then
            text_lo=$vaddr; text_hi=$((vaddr + memsz))
            ((entry >= vaddr && entry < vaddr + memsz)) && entry_ok=1
        fi ;;
    esac
done
((nload >= 1)) || die "no PT_LOAD"
((pstart == 0)) || die "lowest p_paddr is $pstart, expected 0 (kernel at pseudo-physical 0)"
((entry_ok)) || die "entry point not inside an executable PT_LOAD"
((note_off > 0 && note_size > 0)) || die "no PT_NOTE segment"

# Parse the notes: namesz, descsz, type, name (4-aligned), desc (4-aligned).
mapfile -t bytes < <(od -An -v -tx1 -j "$note_off" -N "$note_size" "$f" | tr -s ' ' '\n' | sed '/^$/d')
le() { local o=$1 n=$2 v=0 i; for ((i = n - 1; i >= 0; i--)); do v=$(( (v << 8) | 0x${bytes[o + i]} )); done; echo $v; }
str() { local o=$1 n=$2 s="" i c; for ((i = 0; i < n; i++)); do c=${bytes[o + i]}; [[ $c == 00 ]] && break; s+=$(printf "\\x$c"); done; printf '%s' "$s"; }
declare -A note_num note_str
pos=0
while ((pos + 12 <= ${#bytes[@]})); do
    namesz=$(le $pos 4); descsz=$(le $((pos + 4)) 4); ntype=$(le $((pos + 8)) 4)
    name=$(str $((pos + 12)) "$namesz")
    desc=$((pos + 12 + ((namesz + 3) & ~3)))
    [[ $name == Xen ]] || die "note with name '$name' in PT_NOTE"
    case $descsz in
    1|2|4|8) note_num[$ntype]=$(le $desc "$descsz") ;;
    esac
    note_str[$ntype]=$(str $desc "$descsz")
    pos=$((desc + ((descsz + 3) & ~3)))
done

[[ ${note_str[5]-} == xen-3.0* ]] || die "XEN_VERSION note missing or not xen-3.0"
[[ ${note_str[8]-} == generic* ]] || die "LOADER note missing or not generic"
[[ -n ${note_str[6]-} ]] || die "GUEST_OS note missing"
[[ ${note_str[10]-} == '!writable_page_tables|pae_pgdir_above_4gb' ]] || die "FEATURES note wrong: '${note_str[10]-}'"
(( ${note_num[1]--1} == entry )) || die "ENTRY note != e_entry"
(( ${note_num[3]--1} == VIRT_BASE )) || die "VIRT_BASE note wrong"
[[ ${note_num[4]-x} == 0 ]] || die "PADDR_OFFSET note missing or not 0"
if ((want_page)); then
    [[ -n ${note_num[2]-} ]] || die "HYPERCALL_PAGE note missing"
    hp=${note_num[2]}
    (( (hp & 0xfff) == 0 )) || die "HYPERCALL_PAGE not page aligned"
    ((hp >= text_lo && hp + 4096 <= text_hi)) || die "HYPERCALL_PAGE outside the text segment"
else
    [[ -z ${note_num[2]-} ]] || die "HYPERCALL_PAGE note present in a syscall-transport kernel"
fi
exit 0
