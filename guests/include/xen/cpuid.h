/*
 * Hypervisor CPUID leaves, the forced-emulation prefix and the
 * hypercall-page MSR (docs/xen-pv-abi.md §1.3, §11.1, §11.2).
 */
#ifndef XENO_XEN_CPUID_H
#define XENO_XEN_CPUID_H

#define XEN_CPUID_FIRST_LEAF   0x40000000
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558  /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4d  /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566e  /* "nVMM" */

/* Default hypercall-page MSR (CPUID 0x40000002.EBX). */
#define XEN_HYPERCALL_MSR      0x40000000

/*
 * "ud2; .ascii "xen"" followed by cpuid: Xen emulates the CPUID and skips
 * all seven bytes. Use as: asm(XEN_EMULATE_PREFIX "cpuid" ...).
 */
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e; "

#endif /* XENO_XEN_CPUID_H */
