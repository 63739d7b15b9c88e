/**
 * What the CPU must do after an MM operation. The MM layer never touches a
 * CPU: it appends effects, and the CPU adapter applies them (drop TLB
 * entries, reload CR3, reload the LDT) before resuming the guest.
 */
export type FlushTarget = { kind: 'local' } | { kind: 'all' } | { kind: 'vcpus'; vcpus: number[] };

export type MmEffect =
  | { kind: 'tlb-flush'; target: FlushTarget }
  | { kind: 'invlpg'; va: bigint; target: FlushTarget }
  /** A vCPU root table changed; reload CR3 if that root is the active one (implies a full flush). */
  | { kind: 'baseptr'; vcpu: number; mfn: number; user: boolean }
  | { kind: 'ldt'; vcpu: number; base: bigint; ents: number };

export const LOCAL: FlushTarget = { kind: 'local' };
export const ALL: FlushTarget = { kind: 'all' };
