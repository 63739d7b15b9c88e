/**
 * Constants of the execution side of the PV ABI (xen/include/public: callback.h, sched.h, vcpu.h,
 * event_channel.h, arch-x86/xen-x86_64.h, nmi.h) that src/public does not define yet. Names and values
 * are Xen's; ABI doc sections are cited.
 */

// callback_op (§6.4).
export const CALLBACKOP_register = 0;
export const CALLBACKOP_unregister = 1;
export const CALLBACKTYPE_event = 0;
export const CALLBACKTYPE_failsafe = 1;
export const CALLBACKTYPE_syscall = 2;
export const CALLBACKTYPE_sysenter_deprecated = 3;
export const CALLBACKTYPE_nmi = 4;
export const CALLBACKTYPE_sysenter = 5;
export const CALLBACKTYPE_syscall32 = 7;
export const CALLBACKF_mask_events = 1 << 0;
export const XENNMI_register_callback = 0;
export const XENNMI_unregister_callback = 1;

// trap_info (§6.1): 16 bytes.
export const TRAP_INFO_SIZE = 16;
export const TI_DPL_MASK = 3;
export const TI_MASK_EVENTS = 4;

// vcpu_guest_context.flags / iret flags (§6.6, §9.6.1).
export const VGCF_i387_valid = 1 << 0;
export const VGCF_in_kernel = 1 << 2;
export const VGCF_failsafe_disables_events = 1 << 3;
export const VGCF_syscall_disables_events = 1 << 4;
export const VGCF_online = 1 << 5;
export const VGCF_in_syscall = 1 << 8;

// sched_op (§9.1).
export const SCHEDOP_yield = 0;
export const SCHEDOP_block = 1;
export const SCHEDOP_shutdown = 2;
export const SCHEDOP_poll = 3;
export const SCHEDOP_remote_shutdown = 4;
export const SCHEDOP_shutdown_code = 5;
export const SCHEDOP_watchdog = 6;
export const SCHEDOP_pin_override = 7;
export const SHUTDOWN_poweroff = 0;
export const SHUTDOWN_reboot = 1;
export const SHUTDOWN_suspend = 2;
export const SHUTDOWN_crash = 3;
export const SHUTDOWN_watchdog = 4;
export const SHUTDOWN_soft_reset = 5;
export const SHUTDOWN_NAMES = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'] as const;
export type ShutdownName = (typeof SHUTDOWN_NAMES)[number];
export const SCHEDOP_POLL_MAX_PORTS = 128;

// vcpu_op (§9.6).
export const VCPUOP_initialise = 0;
export const VCPUOP_up = 1;
export const VCPUOP_down = 2;
export const VCPUOP_is_up = 3;
export const VCPUOP_get_runstate_info = 4;
export const VCPUOP_register_runstate_memory_area = 5;
export const VCPUOP_set_periodic_timer = 6;
export const VCPUOP_stop_periodic_timer = 7;
export const VCPUOP_set_singleshot_timer = 8;
export const VCPUOP_stop_singleshot_timer = 9;
export const VCPUOP_register_vcpu_info = 10;
export const VCPUOP_send_nmi = 11;
export const VCPUOP_get_physid = 12;
export const VCPUOP_register_vcpu_time_memory_area = 13;
export const RUNSTATE_running = 0;
export const RUNSTATE_runnable = 1;
export const RUNSTATE_blocked = 2;
export const RUNSTATE_offline = 3;
export const XEN_RUNSTATE_UPDATE = 1n << 63n;
/** struct vcpu_runstate_info: i32 state @0, u64 state_entry_time @8, u64 time[4] @16. */
export const RUNSTATE_INFO_SIZE = 48;

// set_segment_base (§6.5).
export const SEGBASE_FS = 0;
export const SEGBASE_GS_USER = 1;
export const SEGBASE_GS_KERNEL = 2;
export const SEGBASE_GS_USER_SEL = 3;

// event_channel_op (§7.1).
export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_send = 4;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_init_control = 11;
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** The compat hypercall's `struct evtchn_op`: u32 cmd, union at offset 4. */
export const EVTCHN_OP_COMPAT_UNION = 4;

// Segment selectors Xen reserves in GDT page 14 (§6.7).
export const FIRST_RESERVED_GDT_PAGE = 14;
export const FIRST_RESERVED_GDT_ENTRY = 7168;
export const FIRST_RESERVED_GDT_BYTE = FIRST_RESERVED_GDT_PAGE * 4096;
/** GDTR limit: the guest's pages plus Xen's reserved page. */
export const GDT_LIMIT = FIRST_RESERVED_GDT_BYTE + 4096 - 1;
export const FLAT_RING3_CS32 = 0xe023;
export const FLAT_RING3_DS32 = 0xe02b;
export const FLAT_RING3_CS64 = 0xe033;
/** Xen's reserved descriptors, by entry index − FIRST_RESERVED_GDT_ENTRY (accessed bits preset). */
export const RESERVED_GDT_DESCRIPTORS: ReadonlyArray<[number, bigint]> = [
  [1, 0x00af9b000000ffffn], // 0xe008: 64-bit code, DPL 0 (Xen)
  [2, 0x00cf93000000ffffn], // 0xe010: data, DPL 0 (Xen)
  [4, 0x00cffb000000ffffn], // 0xe023: 32-bit code, DPL 3
  [5, 0x00cff3000000ffffn], // 0xe02b: data, DPL 3
  [6, 0x00affb000000ffffn], // 0xe033: 64-bit code, DPL 3
];

// struct vcpu_guest_context (x86_64, §9.6.1).
export const VGC_SIZE = 0x1430;
export const VGC_FLAGS = 0x200;
export const VGC_USER_REGS = 0x208;
export const VGC_TRAP_CTXT = 0x2d0;
export const VGC_LDT_BASE = 0x12d0;
export const VGC_LDT_ENTS = 0x12d8;
export const VGC_GDT_FRAMES = 0x12e0;
export const VGC_GDT_ENTS = 0x1360;
export const VGC_KERNEL_SS = 0x1368;
export const VGC_KERNEL_SP = 0x1370;
export const VGC_CTRLREG = 0x1378;
export const VGC_DEBUGREG = 0x13b8;
export const VGC_EVENT_CALLBACK = 0x13f8;
export const VGC_FAILSAFE_CALLBACK = 0x1400;
export const VGC_SYSCALL_CALLBACK = 0x1408;
export const VGC_VM_ASSIST = 0x1410;
export const VGC_FS_BASE = 0x1418;
export const VGC_GS_BASE_KERNEL = 0x1420;
export const VGC_GS_BASE_USER = 0x1428;
/** struct cpu_user_regs offsets (relative to VGC_USER_REGS), in encoding order of the GPRs. */
export const CPU_USER_REGS_GPR: ReadonlyArray<[number, number]> = [
  [0, 80], // rax
  [1, 88], // rcx
  [2, 96], // rdx
  [3, 40], // rbx
  [4, 152], // rsp
  [5, 32], // rbp
  [6, 104], // rsi
  [7, 112], // rdi
  [8, 72],
  [9, 64],
  [10, 56],
  [11, 48],
  [12, 24],
  [13, 16],
  [14, 8],
  [15, 0],
];
export const CUR_RIP = 128;
export const CUR_CS = 136;
export const CUR_RFLAGS = 144;
export const CUR_SS = 160;
export const CUR_ES = 168;
export const CUR_DS = 176;
export const CUR_FS = 184;
export const CUR_GS = 192;

// Hypercall-page MSR and the hypervisor CPUID leaves (§1.3, §11.2).
export const XEN_CPUID_FIRST_LEAF = 0x40000000;
export const XEN_CPUID_MAX_LEAF = 0x40000005;
export const XEN_HYPERCALL_MSR = 0x40000000;

// Debug registers.
export const DR6_DEFAULT = 0xffff0ff0n;
export const DR7_DEFAULT = 0x400n;
export const DR7_GD = 1n << 13n;
export const DR7_ACTIVE_MASK = 0xffn;

// Exception vectors.
export const X86_EXC_DE = 0;
export const X86_EXC_DB = 1;
export const X86_EXC_NMI = 2;
export const X86_EXC_BP = 3;
export const X86_EXC_OF = 4;
export const X86_EXC_UD = 6;
export const X86_EXC_NM = 7;
export const X86_EXC_DF = 8;
export const X86_EXC_TS = 10;
export const X86_EXC_NP = 11;
export const X86_EXC_SS = 12;
export const X86_EXC_GP = 13;
export const X86_EXC_PF = 14;
export const X86_EXC_AC = 17;
/** Vectors whose delivery pushes an error code. */
export const hasErrorCode = (v: number): boolean => v === 8 || (v >= 10 && v <= 14) || v === 17 || v === 21;

// #PF error-code bits.
export const PFEC_present = 1;
export const PFEC_write = 2;
export const PFEC_user = 4;
export const PFEC_reserved = 8;
export const PFEC_insn = 16;

// RFLAGS bits.
export const X86_EFLAGS_CF = 1 << 0;
export const X86_EFLAGS_MBS = 1 << 1;
export const X86_EFLAGS_PF = 1 << 2;
export const X86_EFLAGS_ZF = 1 << 6;
export const X86_EFLAGS_SF = 1 << 7;
export const X86_EFLAGS_TF = 1 << 8;
export const X86_EFLAGS_IF = 1 << 9;
export const X86_EFLAGS_DF = 1 << 10;
export const X86_EFLAGS_OF = 1 << 11;
export const X86_EFLAGS_IOPL = 3 << 12;
export const X86_EFLAGS_NT = 1 << 14;
export const X86_EFLAGS_RF = 1 << 16;
export const X86_EFLAGS_VM = 1 << 17;
export const X86_EFLAGS_AC = 1 << 18;
export const X86_EFLAGS_ID = 1 << 21;
/** Every architecturally defined RFLAGS bit (what an iret may set). */
export const X86_EFLAGS_ALL = 0x003f7fd5;

// CR0 / CR4 bits the emulation touches.
export const X86_CR0_TS = 1 << 3;
export const X86_CR4_TSD = 1 << 2;
export const X86_CR4_DE = 1 << 3;
export const X86_CR4_FSGSBASE = 1 << 16;
export const X86_CR4_OSXSAVE = 1 << 18;

/** Canonical 48-bit virtual address. */
export function isCanonical(va: bigint): boolean {
  const top = BigInt.asUintN(64, va) >> 47n;
  return top === 0n || top === 0x1ffffn;
}
