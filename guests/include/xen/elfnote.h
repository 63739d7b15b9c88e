/*
 * Xen ELF note types (name "Xen", PT_NOTE). Written from docs/xen-pv-abi.md §2.2.
 * Usable from C and assembly.
 */
#ifndef XENO_XEN_ELFNOTE_H
#define XENO_XEN_ELFNOTE_H

#define XEN_ELFNOTE_INFO                0  /* str: ignored */
#define XEN_ELFNOTE_ENTRY               1  /* num: initial RIP (virtual) */
#define XEN_ELFNOTE_HYPERCALL_PAGE      2  /* num: VA of the page the builder fills */
#define XEN_ELFNOTE_VIRT_BASE           3  /* num: VA of pseudo-physical page 0 */
#define XEN_ELFNOTE_PADDR_OFFSET        4  /* num: see §2.4 */
#define XEN_ELFNOTE_XEN_VERSION         5  /* str: must start with "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS            6  /* str */
#define XEN_ELFNOTE_GUEST_VERSION       7  /* str */
#define XEN_ELFNOTE_LOADER              8  /* str: "generic" */
#define XEN_ELFNOTE_PAE_MODE            9  /* str: x86_32 only */
#define XEN_ELFNOTE_FEATURES           10  /* str: '|'-separated, '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB         11
#define XEN_ELFNOTE_HV_START_LOW       12
#define XEN_ELFNOTE_L1_MFN_VALID       13
#define XEN_ELFNOTE_SUSPEND_CANCEL     14
#define XEN_ELFNOTE_INIT_P2M           15
#define XEN_ELFNOTE_MOD_START_PFN      16
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17
#define XEN_ELFNOTE_PHYS32_ENTRY       18
#define XEN_ELFNOTE_PHYS32_RELOC       19

#endif /* XENO_XEN_ELFNOTE_H */
