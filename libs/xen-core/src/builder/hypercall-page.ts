import { HYPERCALL_PAGE_STUBS, HYPERCALL_STUB_SIZE, __HYPERVISOR_iret } from '../public/xen';
import { PAGE_SIZE } from '../public/page';

/**
 * The 64-bit PV hypercall page (ABI §1.3): 0xCC everywhere, then one 32-byte
 * stub per hypercall number: `push %rcx; push %r11; mov $i,%eax; syscall;
 * pop %r11; pop %rcx; ret`, except the iret stub which never returns.
 */
export function hypercallPageBytes(): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE).fill(0xcc);
  for (let i = 0; i < HYPERCALL_PAGE_STUBS; i++) {
    const o = i * HYPERCALL_STUB_SIZE;
    const imm = [i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, (i >>> 24) & 0xff];
    const stub =
      i === __HYPERVISOR_iret
        ? [0x51, 0x41, 0x53, 0x50, 0xb8, ...imm, 0x0f, 0x05]
        : [0x51, 0x41, 0x53, 0xb8, ...imm, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3];
    page.set(stub, o);
  }
  return page;
}
