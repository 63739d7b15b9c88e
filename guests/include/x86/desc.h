/* Segment descriptor encodings used by PV guests (docs/xen-pv-abi.md §6.7). */
#ifndef XENO_X86_DESC_H
#define XENO_X86_DESC_H

/* Flat 4 GiB descriptors. DPL 3 because PV kernels run at CPL 3. */
#define DESC_FLAT_DATA_DPL3    0x00cff3000000ffffULL
#define DESC_FLAT_DATA_DPL0    0x00cf93000000ffffULL
#define DESC_FLAT_CODE64_DPL3  0x00affb000000ffffULL
#define DESC_FLAT_CODE32_DPL3  0x00cffb000000ffffULL
/* Present bit of a descriptor. */
#define DESC_P                 (1ULL << 47)
/* A 64-bit available TSS descriptor (low half): a system type Xen rejects. */
#define DESC_TSS64_LOW         0x0000890000000067ULL

/* Selector helpers: index, table indicator, requested privilege level. */
#define SEL_GDT(idx, rpl) (((idx) << 3) | (rpl))
#define SEL_LDT(idx, rpl) (((idx) << 3) | 4 | (rpl))

#endif /* XENO_X86_DESC_H */
