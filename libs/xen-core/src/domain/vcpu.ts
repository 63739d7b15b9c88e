/**
 * The CPU-independent part of a vCPU's state that the MM and hypercall code
 * read and change. Register state lives with the CPU adapter.
 */
export class Vcpu {
  /** guest_table: MFN of the kernel root L4 (0 = none). Holds a page+type reference. */
  guestTable = 0;
  /** guest_table_user: MFN of the user root L4 (0 = none). Holds a page+type reference. */
  guestTableUser = 0;
  /** TF_kernel_mode. */
  inKernel = true;
  online = true;
  ldtBase = 0n;
  ldtEnts = 0;
  /** Virtual IOPL (physdev_op set_iopl), 0..3. */
  iopl = 0;
  /**
   * Machine address of this vCPU's vcpu_info after VCPUOP_register_vcpu_info moved it (§4.4);
   * undefined = `shared_info.vcpu_info[id]` (none for id ≥ 32).
   */
  vcpuInfoMaddr: number | undefined = undefined;

  constructor(readonly id: number) {}

  /** The root table the MMU uses right now (kernel or user mode). */
  get activeRoot(): number {
    return this.inKernel ? this.guestTable : this.guestTableUser;
  }
}
