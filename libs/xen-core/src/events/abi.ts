/**
 * Event-channel constants from xen/include/public/event_channel.h and xen.h (ABI doc §7), plus the
 * limits Xen's event_channel.c / event_2l.c apply. Kept beside the implementation (public/ belongs to
 * the MM/builder half).
 */

// EVTCHNOP_* sub-ops of event_channel_op (hypercall 32).
export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_bind_pirq = 2;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_send = 4;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_bind_ipi = 7;
export const EVTCHNOP_bind_vcpu = 8;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_reset = 10;
export const EVTCHNOP_init_control = 11;
export const EVTCHNOP_expand_array = 12;
export const EVTCHNOP_set_priority = 13;
export const EVTCHNOP_reset_cont = 14;

/** Size of each sub-op's argument struct (bytes, x86_64). */
export const EVTCHNOP_ARG_SIZE: Readonly<Record<number, number>> = {
  [EVTCHNOP_bind_interdomain]: 12,
  [EVTCHNOP_bind_virq]: 12,
  [EVTCHNOP_bind_pirq]: 12,
  [EVTCHNOP_close]: 4,
  [EVTCHNOP_send]: 4,
  [EVTCHNOP_status]: 24,
  [EVTCHNOP_alloc_unbound]: 8,
  [EVTCHNOP_bind_ipi]: 8,
  [EVTCHNOP_bind_vcpu]: 8,
  [EVTCHNOP_unmask]: 4,
  [EVTCHNOP_reset]: 2,
  [EVTCHNOP_reset_cont]: 2,
  [EVTCHNOP_init_control]: 24,
  [EVTCHNOP_expand_array]: 8,
  [EVTCHNOP_set_priority]: 8,
};

/** `struct evtchn_op` of the legacy hypercall 16: u32 cmd, then the union at offset 4 (28 bytes). */
export const EVTCHN_OP_COMPAT_SIZE = 28;
export const EVTCHN_OP_COMPAT_UNION = 4;

// EVTCHNSTAT_* (evtchn_status.status).
export const EVTCHNSTAT_closed = 0;
export const EVTCHNSTAT_unbound = 1;
export const EVTCHNSTAT_interdomain = 2;
export const EVTCHNSTAT_pirq = 3;
export const EVTCHNSTAT_virq = 4;
export const EVTCHNSTAT_ipi = 5;

// VIRQ_* (xen.h). NR_VIRQS = 24.
export const VIRQ_TIMER = 0;
export const VIRQ_DEBUG = 1;
export const VIRQ_CONSOLE = 2;
export const VIRQ_DOM_EXC = 3;
export const VIRQ_TBUF = 4;
export const VIRQ_DEBUGGER = 6;
export const VIRQ_XENOPROF = 7;
export const VIRQ_CON_RING = 8;
export const VIRQ_PCPU_STATE = 9;
export const VIRQ_MEM_EVENT = 10;
export const VIRQ_ARGO = 11;
export const VIRQ_ENOMEM = 12;
export const VIRQ_XENPMU = 13;
export const VIRQ_ARCH_0 = 16;
export const VIRQ_ARCH_7 = 23;
/** x86: VIRQ_ARCH_0 is the machine-check VIRQ. */
export const VIRQ_MCA = VIRQ_ARCH_0;
export const NR_VIRQS = 24;

/** How a VIRQ is routed (event_channel.c get_virq_type()). */
export type VirqType = 'vcpu' | 'domain' | 'global';

export function virqType(virq: number): VirqType {
  switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
      return 'vcpu';
    case VIRQ_ARGO:
      return 'domain';
    default:
      // Everything else, including VIRQ_ARCH_0..7 on x86 (MCA), is global.
      return 'global';
  }
}

/** 2-level ABI: 64 words of 64 bits. */
export const BITS_PER_EVTCHN_WORD = 64;
export const EVTCHN_2L_NR_CHANNELS = BITS_PER_EVTCHN_WORD * BITS_PER_EVTCHN_WORD;
/** Ports become valid in buckets (Xen allocates struct evtchn a page at a time). */
export const EVTCHNS_PER_BUCKET = 64;
/** libxl's default `max_event_channels` for a domU (highest usable port). */
export const DEFAULT_DOMU_MAX_EVTCHN_PORT = 1023;
/** Bound on bind_pirq's pirq argument (nr_pirqs of a PV domU); no domU has physical IRQ access. */
export const NR_PIRQS = 256;
