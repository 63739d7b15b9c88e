import { describe, expect, it } from 'vitest';
import { hypercallPageBytes } from '../../src/builder/hypercall-page';
import * as L from '../../src/public/layout';
import * as X from '../../src/public/xen';
import { buildGuest } from '../helpers/system';

/** Offsets copied literally from shared/docs/xen-pv-abi.md §4 — not from our own constants. */
describe('ABI layouts match the document', () => {
  it('struct start_info (§4.1)', () => {
    expect([
      L.SI_MAGIC,
      L.SI_NR_PAGES,
      L.SI_SHARED_INFO,
      L.SI_FLAGS,
      L.SI_STORE_MFN,
      L.SI_STORE_EVTCHN,
      L.SI_CONSOLE_MFN,
      L.SI_CONSOLE_EVTCHN,
      L.SI_PT_BASE,
      L.SI_NR_PT_FRAMES,
      L.SI_MFN_LIST,
      L.SI_MOD_START,
      L.SI_MOD_LEN,
      L.SI_CMD_LINE,
      L.SI_FIRST_P2M_PFN,
      L.SI_NR_P2M_FRAMES,
      L.START_INFO_SIZE,
    ]).toEqual([
      0x000, 0x020, 0x028, 0x030, 0x038, 0x040, 0x048, 0x050, 0x058, 0x060, 0x068, 0x070, 0x078, 0x080, 0x480,
      0x488, 0x490,
    ]);
  });

  it('struct shared_info / vcpu_info (§4.3, §4.4) and the console ring (§10.1)', () => {
    expect([
      L.VI_EVTCHN_UPCALL_PENDING,
      L.VI_EVTCHN_UPCALL_MASK,
      L.VI_EVTCHN_PENDING_SEL,
      L.VI_ARCH_CR2,
      L.VI_TIME,
    ]).toEqual([0x00, 0x01, 0x08, 0x10, 0x20]);
    expect([
      L.SH_EVTCHN_PENDING,
      L.SH_EVTCHN_MASK,
      L.SH_WC_VERSION,
      L.SH_WC_SEC,
      L.SH_WC_NSEC,
      L.SH_WC_SEC_HI,
    ]).toEqual([0x800, 0xa00, 0xc00, 0xc04, 0xc08, 0xc0c]);
    expect([
      L.SH_ARCH_MAX_PFN,
      L.SH_ARCH_P2M_FRAME_LIST_LIST,
      L.SH_ARCH_NMI_REASON,
      L.SH_ARCH_P2M_CR3,
    ]).toEqual([0xc10, 0xc18, 0xc20, 0xc28]);
    expect([
      L.SHARED_INFO_SIZE,
      L.VCPU_INFO_SIZE,
      L.XENCONS_OUT,
      L.XENCONS_OUT_PROD,
      L.XENCONS_CONNECTION,
    ]).toEqual([0xc40, 64, 0x400, 0xc0c, 0xc10]);
  });

  it('start_info bytes of a built domain, read at literal offsets', () => {
    const g = buildGuest({ cmdline: 'abc', storeEvtchn: 5, consoleEvtchn: 6 });
    const mem = g.sys.host.mem;
    const si = g.built.startInfoMfn * 4096;
    const b = mem.readBytes(si, 0x490);
    const dv = new DataView(b.buffer);
    expect(Buffer.from(b.subarray(0, 32)).toString('latin1')).toBe('xen-3.0-x86_64'.padEnd(32, '\0'));
    expect(dv.getBigUint64(0x20, true)).toBe(1024n);
    expect(dv.getBigUint64(0x28, true)).toBe(BigInt(g.built.sharedInfoMfn) << 12n);
    expect(dv.getUint32(0x40, true)).toBe(5);
    expect(dv.getUint32(0x50, true)).toBe(6);
    expect(Buffer.from(b.subarray(0x80, 0x84)).toString('latin1')).toBe('abc\0');
    const sh = g.built.sharedInfoMfn * 4096;
    for (let v = 0; v < 32; v++) expect(mem.readU8(sh + v * 64 + 1)).toBe(1);
  });

  it('hypercall page stubs are byte-exact (§1.3)', () => {
    const page = hypercallPageBytes();
    // Stub 1 (mmu_update) at 0x20.
    expect([...page.subarray(0x20, 0x40)]).toEqual([
      0x51,
      0x41,
      0x53,
      0xb8,
      0x01,
      0x00,
      0x00,
      0x00,
      0x0f,
      0x05,
      0x41,
      0x5b,
      0x59,
      0xc3,
      ...Array(18).fill(0xcc),
    ]);
    // Stub 23 (iret) at 0x2E0.
    expect([...page.subarray(0x2e0, 0x300)]).toEqual([
      0x51,
      0x41,
      0x53,
      0x50,
      0xb8,
      0x17,
      0x00,
      0x00,
      0x00,
      0x0f,
      0x05,
      ...Array(21).fill(0xcc),
    ]);
    expect([...page.subarray(0xfe0, 0xfe8)]).toEqual([0x51, 0x41, 0x53, 0xb8, 127, 0, 0, 0]);
    expect(X.__HYPERVISOR_iret * 32).toBe(0x2e0);
  });

  it('constants from the public headers', () => {
    expect([X.FLAT_KERNEL_CS, X.FLAT_KERNEL_SS, X.DOMID_SELF, X.DOMID_IO, X.DOMID_XEN]).toEqual([
      0xe033, 0xe02b, 0x7ff0, 0x7ff1, 0x7ff2,
    ]);
    expect([
      X.MMUEXT_NEW_USER_BASEPTR,
      X.MMUEXT_CLEAR_PAGE,
      X.MMUEXT_COPY_PAGE,
      X.MMUEXT_UNMARK_SUPER,
    ]).toEqual([15, 16, 17, 20]);
    expect([X.UVMF_TLB_FLUSH, X.UVMF_INVLPG, X.UVMF_ALL, X.VMASST_TYPE_m2p_strict]).toEqual([1, 2, 4, 32]);
  });
});
