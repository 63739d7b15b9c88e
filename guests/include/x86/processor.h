/* x86 architectural constants used by PV guests: vectors, CR/RFLAGS bits, MSRs. */
#ifndef XENO_X86_PROCESSOR_H
#define XENO_X86_PROCESSOR_H

/* Exception vectors. */
#define X86_EXC_DE   0   /* divide error */
#define X86_EXC_DB   1
#define X86_EXC_NMI  2
#define X86_EXC_BP   3   /* int3 */
#define X86_EXC_OF   4
#define X86_EXC_BR   5
#define X86_EXC_UD   6   /* invalid opcode */
#define X86_EXC_NM   7   /* device not available */
#define X86_EXC_DF   8
#define X86_EXC_TS  10
#define X86_EXC_NP  11   /* segment not present */
#define X86_EXC_SS  12
#define X86_EXC_GP  13   /* general protection */
#define X86_EXC_PF  14   /* page fault */
#define X86_EXC_MF  16
#define X86_EXC_AC  17
#define X86_EXC_MC  18
#define X86_EXC_XM  19
#define X86_EXC_CP  21

/* Vectors that push an error code. */
#define X86_EXC_HAVE_EC ((1U << X86_EXC_DF) | (1U << X86_EXC_TS) | (1U << X86_EXC_NP) | \
                         (1U << X86_EXC_SS) | (1U << X86_EXC_GP) | (1U << X86_EXC_PF) | \
                         (1U << X86_EXC_AC) | (1U << X86_EXC_CP))

#define X86_EFLAGS_CF    0x00000001
#define X86_EFLAGS_MBS   0x00000002  /* must be set */
#define X86_EFLAGS_ZF    0x00000040
#define X86_EFLAGS_TF    0x00000100
#define X86_EFLAGS_IF    0x00000200
#define X86_EFLAGS_DF    0x00000400
#define X86_EFLAGS_IOPL  0x00003000
#define X86_EFLAGS_NT    0x00004000
#define X86_EFLAGS_RF    0x00010000
#define X86_EFLAGS_VM    0x00020000
#define X86_EFLAGS_AC    0x00040000

#define X86_CR0_PE  (1UL << 0)
#define X86_CR0_MP  (1UL << 1)
#define X86_CR0_EM  (1UL << 2)
#define X86_CR0_TS  (1UL << 3)
#define X86_CR0_ET  (1UL << 4)
#define X86_CR0_NE  (1UL << 5)
#define X86_CR0_WP  (1UL << 16)
#define X86_CR0_AM  (1UL << 18)
#define X86_CR0_PG  (1UL << 31)

#define X86_CR4_VME        (1UL << 0)
#define X86_CR4_PVI        (1UL << 1)
#define X86_CR4_TSD        (1UL << 2)
#define X86_CR4_DE         (1UL << 3)
#define X86_CR4_PSE        (1UL << 4)
#define X86_CR4_PAE        (1UL << 5)
#define X86_CR4_MCE        (1UL << 6)
#define X86_CR4_PGE        (1UL << 7)
#define X86_CR4_OSFXSR     (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_VMXE       (1UL << 13)

#define MSR_IA32_TSC        0x00000010
#define MSR_IA32_APIC_BASE  0x0000001b
#define MSR_IA32_CR_PAT     0x00000277
#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_SHADOW_GS_BASE  0xc0000102

#define EFER_SCE  (1UL << 0)
#define EFER_LME  (1UL << 8)
#define EFER_LMA  (1UL << 10)
#define EFER_NXE  (1UL << 11)

#define APIC_BASE_BSP     (1UL << 8)
#define APIC_BASE_ENABLE  (1UL << 11)
#define APIC_DEFAULT_PHYS_BASE 0xfee00000UL

/* CPUID leaf 1 ECX bit 31: running under a hypervisor. */
#define X86_FEATURE_HYPERVISOR_ECX  (1U << 31)
/* CPUID 0x80000001 EDX bit 29: long mode. */
#define X86_FEATURE_LM_EDX          (1U << 29)

#endif /* XENO_X86_PROCESSOR_H */
