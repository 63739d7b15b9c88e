/**
 * 4-level paging: permission combinations, #PF error codes and CR2, accessed/dirty bits, TLB
 * semantics (INVLPG, CR3 reload, global pages), large pages, reserved bits.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_EXCEPTION, EXIT_HLT, PF_ID, PF_P, PF_RSVD, PF_U, PF_W } from '../../src';
import { A, D, G, KCODE, NX, P, TestMachine, U, W } from '../helpers/machine';

const DATA = 0x0000_7f00_0000_0000n;
const UCODE = 0x400000n;

const LOAD = [0x48, 0x8b, 0x03]; // mov rax, [rbx]
const STORE = [0x48, 0x89, 0x03]; // mov [rbx], rax
const HLT = [0xf4];

/** Kernel (CPL 0) or user (CPL 3) machine executing `code` with rbx = DATA, all exceptions intercepted. */
function setup(cpl: number, code: number[], dataFlags: bigint | null): TestMachine {
  const m = new TestMachine().boot({ cpl, rip: cpl === 3 ? UCODE : KCODE });
  m.mapNew(cpl === 3 ? UCODE : KCODE, cpl === 3 ? P | U : P);
  m.write(cpl === 3 ? UCODE : KCODE, code);
  if (dataFlags !== null) m.mapNew(DATA, dataFlags);
  if (cpl === 3) m.mapNew(0x7fff_0000n, P | W | U | NX);
  if (cpl === 3) m.cpu.setReg(4, 0x7fff_0800n);
  m.cpu.setReg(3, DATA);
  m.cpu.interceptExceptions = -1;
  return m;
}

function expectPF(m: TestMachine, err: number, addr: bigint): void {
  const ex = m.run();
  expect(ex.reason).toBe(EXIT_EXCEPTION);
  expect(ex.vector).toBe(14);
  expect(ex.errorCode).toBe(err);
  expect(ex.faultAddress).toBe(BigInt.asUintN(64, addr));
}

describe('permission combinations', () => {
  const cases: [string, number, number[], bigint | null, number | 'ok'][] = [
    ['user read, not present', 3, LOAD, null, PF_U],
    ['user write, not present', 3, STORE, null, PF_U | PF_W],
    ['user read of a supervisor page', 3, LOAD, P | W, PF_P | PF_U],
    ['user write to a read-only user page', 3, STORE, P | U, PF_P | PF_W | PF_U],
    ['user read of a read-only user page', 3, LOAD, P | U, 'ok'],
    ['user write to a writable user page', 3, STORE, P | W | U, 'ok'],
    ['supervisor read of a user page', 0, LOAD, P | U, 'ok'],
    ['supervisor write to a read-only page (CR0.WP=1)', 0, STORE, P, PF_P | PF_W],
    ['supervisor write, not present', 0, STORE, null, PF_W],
    ['supervisor read of a NX page', 0, LOAD, P | NX, 'ok'],
  ];
  for (const [name, cpl, code, flags, want] of cases) {
    it(name, () => {
      const m = setup(cpl, [...code, ...HLT], flags);
      if (cpl === 3) {
        // end user code with ud2 instead of hlt (#UD is intercepted)
        m.write(UCODE + BigInt(code.length), [0x0f, 0x0b]);
      }
      if (want === 'ok') {
        const ex = m.run();
        if (cpl === 3) expect(ex.vector).toBe(6);
        else expect(ex.reason).toBe(EXIT_HLT);
      } else expectPF(m, want, DATA);
    });
  }

  it('supervisor write to a read-only page succeeds with CR0.WP=0', () => {
    const m = setup(0, [...STORE, ...HLT], P);
    m.cpu.s[112] &= ~(1 << 16); // CR0.WP
    m.cpu.setReg(0, 0x1234n);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.readU64(DATA)).toBe(0x1234n);
  });

  it('a read-only upper-level entry restricts writes too', () => {
    const m = new TestMachine().boot({ cpl: 0 });
    m.mapNew(KCODE, P);
    m.write(KCODE, [...STORE, ...HLT]);
    // PDPT/PD/PT created with P|U only (no W) for this address
    const p = m.allocPage();
    m.map(DATA, p, P | W, { tableFlags: P | U });
    m.cpu.setReg(3, DATA);
    m.cpu.interceptExceptions = -1;
    expectPF(m, PF_P | PF_W, DATA);
  });

  it('instruction fetch from a NX page: #PF with I/D set', () => {
    const m = setup(0, [0xff, 0xe3], P | W | NX); // jmp rbx
    expectPF(m, PF_P | PF_ID, DATA);
    expect(m.cpu.rip).toBe(DATA); // the fault is at the target
  });

  it('user fetch from a supervisor page: #PF P|U|I/D', () => {
    const m = setup(3, [0xff, 0xe3], P | W); // jmp rbx
    expectPF(m, PF_P | PF_U | PF_ID, DATA);
  });

  it('a reserved bit in the PTE gives #PF with RSVD and P', () => {
    const m = setup(0, [...LOAD, ...HLT], P | W);
    const ea = m.entryAddr(DATA, 1);
    m.mem.writeU64(ea, m.mem.readU64(ea) | (1n << 50n)); // above MAXPHYADDR (40)
    expectPF(m, PF_P | PF_RSVD, DATA);
  });

  it('an access straddling two pages faults on the second page with CR2 = its first byte', () => {
    const m = setup(0, [...LOAD, ...HLT], P | W);
    m.cpu.setReg(3, DATA + 0xffcn);
    expectPF(m, 0, DATA + 0x1000n);
  });
});

describe('accessed and dirty bits', () => {
  it('a read sets A on every level; a write sets D on the PTE only', () => {
    const m = setup(0, [...LOAD, ...STORE, ...HLT], P | W);
    expect(m.pteValue(DATA) & (A | D)).toBe(0n);
    m.cpu.run(1); // the load
    expect(m.pteValue(DATA) & (A | D)).toBe(A);
    expect(m.pteValue(DATA, 2) & A).toBe(A);
    expect(m.pteValue(DATA, 3) & A).toBe(A);
    expect(m.pteValue(DATA, 4) & A).toBe(A);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.pteValue(DATA) & (A | D)).toBe(A | D);
    expect(m.pteValue(DATA, 2) & D).toBe(0n);
  });

  it('a write to a page first read (TLB entry without D) still sets D', () => {
    const m = setup(0, [...LOAD, ...STORE, ...STORE, ...HLT], P | W);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.pteValue(DATA) & D).toBe(D);
  });

  it('a faulting access does not set A', () => {
    const m = setup(3, [...LOAD], P | W); // supervisor page read from user mode
    m.run();
    expect(m.pteValue(DATA) & A).toBe(0n);
  });
});

describe('TLB semantics', () => {
  /** kernel code: load [rbx] into rax, hlt; then the second part runs after the test edits tables. */
  function remap(): { m: TestMachine; p1: number; p2: number } {
    const m = new TestMachine().boot({ cpl: 0 });
    m.mapNew(KCODE, P);
    const p1 = m.allocPage();
    const p2 = m.allocPage();
    m.mem.writeU64(p1, 0x1111n);
    m.mem.writeU64(p2, 0x2222n);
    m.map(DATA, p1, P | W);
    m.cpu.setReg(3, DATA);
    m.cpu.interceptExceptions = -1;
    return { m, p1, p2 };
  }

  it('a PTE change is not seen until INVLPG', () => {
    const { m, p2 } = remap();
    // mov rax,[rbx]; hlt; mov rcx,[rbx]; hlt; invlpg [rbx]; mov rdx,[rbx]; hlt
    m.write(
      KCODE,
      [0x48, 0x8b, 0x03, 0xf4, 0x48, 0x8b, 0x0b, 0xf4, 0x0f, 0x01, 0x3b, 0x48, 0x8b, 0x13, 0xf4],
    );
    m.run();
    expect(m.cpu.getReg(0)).toBe(0x1111n);
    m.map(DATA, p2, P | W);
    m.run();
    expect(m.cpu.getReg(1)).toBe(0x1111n); // stale translation still cached
    m.run();
    expect(m.cpu.getReg(2)).toBe(0x2222n);
  });

  it('a CR3 reload flushes non-global entries but keeps global ones', () => {
    const { m, p1, p2 } = remap();
    const GDATA = DATA + 0x1000n;
    const p3 = m.allocPage();
    m.mem.writeU64(p3, 0x3333n);
    m.map(GDATA, p1, P | W | G);
    m.cpu.s[118] |= 1 << 7; // CR4.PGE
    m.cpu.setReg(5, GDATA);
    // mov rax,[rbx]; mov rax,[rbp]; hlt; mov rax,cr3; mov cr3,rax; mov rcx,[rbx]; mov rdx,[rbp]; hlt
    m.write(
      KCODE,
      [
        0x48, 0x8b, 0x03, 0x48, 0x8b, 0x45, 0x00, 0xf4, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x48, 0x8b, 0x0b,
        0x48, 0x8b, 0x55, 0x00, 0xf4,
      ],
    );
    m.run();
    m.map(DATA, p2, P | W);
    m.map(GDATA, p3, P | W | G);
    m.run();
    expect(m.cpu.getReg(1)).toBe(0x2222n); // non-global: re-walked
    expect(m.cpu.getReg(2)).toBe(0x1111n); // global: survived the CR3 write
  });

  it('clearing CR4.PGE flushes global entries', () => {
    const { m, p2 } = remap();
    m.map(DATA, m.phys(DATA), P | W | G);
    m.cpu.s[118] |= 1 << 7;
    // mov rax,[rbx]; hlt; mov rax,cr4; btr rax,7; mov cr4,rax; mov rcx,[rbx]; hlt
    m.write(
      KCODE,
      [
        0x48, 0x8b, 0x03, 0xf4, 0x0f, 0x20, 0xe0, 0x48, 0x0f, 0xba, 0xf0, 0x07, 0x0f, 0x22, 0xe0, 0x48, 0x8b,
        0x0b, 0xf4,
      ],
    );
    m.run();
    m.map(DATA, p2, P | W | G);
    m.run();
    expect(m.cpu.getReg(1)).toBe(0x2222n);
  });

  it('setCr3 from the embedder switches address spaces', () => {
    const { m, p2 } = remap();
    m.write(KCODE, [0x48, 0x8b, 0x03, 0xf4, 0x48, 0x8b, 0x0b, 0xf4]);
    m.run();
    // a second address space: copy the PML4 and point DATA at p2 in fresh lower tables
    const m2 = m.allocPage();
    m.mem.copyPage(m2 / 4096, m.cr3 / 4096);
    const pdpt = m.allocPage();
    const pd = m.allocPage();
    const pt = m.allocPage();
    m.mem.writeU64(m2 + Number((DATA >> 39n) & 511n) * 8, BigInt(pdpt) | 7n);
    m.mem.writeU64(pdpt + Number((DATA >> 30n) & 511n) * 8, BigInt(pd) | 7n);
    m.mem.writeU64(pd + Number((DATA >> 21n) & 511n) * 8, BigInt(pt) | 7n);
    m.mem.writeU64(pt + Number((DATA >> 12n) & 511n) * 8, BigInt(p2) | 3n);
    m.cpu.setCr3(BigInt(m2));
    m.run();
    expect(m.cpu.getReg(0)).toBe(0x1111n);
    expect(m.cpu.getReg(1)).toBe(0x2222n);
  });

  it('2 MiB pages translate and INVLPG drops them', () => {
    const m = new TestMachine({ memBytes: 16 << 20 }).boot({ cpl: 0 });
    m.mapNew(KCODE, P);
    const LARGE = 0x4000_0000n;
    m.map(LARGE, 0x400000, P | W, { large: true });
    m.mem.writeU64(0x400000 + 0x12345, 0xabcdn);
    m.cpu.setReg(3, LARGE + 0x12345n);
    // mov rax,[rbx]; hlt; invlpg [rbx]; mov rcx,[rbx]; hlt
    m.write(KCODE, [0x48, 0x8b, 0x03, 0xf4, 0x0f, 0x01, 0x3b, 0x48, 0x8b, 0x0b, 0xf4]);
    m.run();
    expect(m.cpu.getReg(0)).toBe(0xabcdn);
    m.map(LARGE, 0x600000, P | W, { large: true });
    m.mem.writeU64(0x600000 + 0x12345, 0x5678n);
    m.run();
    expect(m.cpu.getReg(1)).toBe(0x5678n);
  });
});

describe('#PF delivery through the IDT', () => {
  it('writes CR2 and pushes the error code', () => {
    const m = setup(0, [...LOAD, ...HLT], null);
    m.cpu.interceptExceptions = 0;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_HLT);
    expect(m.stoppedAtStub()).toBe(14);
    expect(m.cpu.s[114]).toBe(Number(DATA & 0xffffffffn));
    expect(m.cpu.s[115]).toBe(Number(DATA >> 32n));
    const [err, rip] = m.frame(2);
    expect(err).toBe(0n);
    expect(rip).toBe(BigInt.asUintN(64, KCODE));
  });

  it('an intercepted #PF does not write CR2', () => {
    const m = setup(0, [...LOAD, ...HLT], null);
    m.run();
    expect(m.cpu.s[114]).toBe(0);
  });
});

describe('SMEP (CR4 bit 20)', () => {
  const SMEP = 1n << 20n;
  const JMP_RBX = [0xff, 0xe3];
  const MOV_CR4_RAX = [0x0f, 0x22, 0xe0];

  /** CPL 0 code at KCODE: `prefix` then jmp rbx; rbx = a user page (U) holding hlt. */
  function kernelJumpsToUser(prefix: number[]): TestMachine {
    const m = setup(0, [...prefix, ...JMP_RBX], P | U);
    m.write(DATA, HLT);
    return m;
  }

  it('off: CPL 0 executes from a user page', () => {
    const m = kernelJumpsToUser([]);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.cpu.rip).toBe(DATA + 1n);
  });

  it('on: a CPL 0 fetch from a user page is #PF P|I/D at the target (also with EFER.NXE = 0)', () => {
    for (const nxe of [true, false]) {
      const m = kernelJumpsToUser([]);
      if (!nxe) expect(m.cpu.writeMsr(0xc0000080, m.cpu.readMsr(0xc0000080)! & ~(1n << 11n))).toBe(true);
      m.cpu.setCr(4, m.cpu.getCr(4) | SMEP);
      expectPF(m, PF_P | PF_ID, DATA);
      expect(m.cpu.rip).toBe(DATA);
    }
  });

  it('on: CPL 0 still reads and writes user pages, and CPL 3 still executes them', () => {
    const m = setup(0, [...LOAD, ...STORE, ...HLT], P | W | U);
    m.cpu.setCr(4, m.cpu.getCr(4) | SMEP);
    expect(m.run().reason).toBe(EXIT_HLT);
    const u = setup(3, [...LOAD, ...HLT], P | U);
    u.cpu.setCr(4, u.cpu.getCr(4) | SMEP);
    const ex = u.run(); // the user code runs up to its hlt, which is #GP(0) at CPL 3
    expect([ex.reason, ex.vector, ex.errorCode]).toEqual([EXIT_EXCEPTION, 13, 0]);
    expect(u.cpu.rip).toBe(UCODE + BigInt(LOAD.length));
  });

  it('mov cr4 setting SMEP drops the cached supervisor fetch permission of a user page', () => {
    const m = kernelJumpsToUser([...MOV_CR4_RAX]);
    m.cpu.setReg(0, m.cpu.getCr(4)); // first pass: CR4 unchanged, the user page runs (TLB filled)
    expect(m.run().reason).toBe(EXIT_HLT);
    m.cpu.rip = KCODE;
    m.cpu.setReg(0, m.cpu.getCr(4) | SMEP);
    expectPF(m, PF_P | PF_ID, DATA);
  });

  it('CPUID.7.0:EBX reports SMEP (bit 7) and not SMAP (bit 20)', () => {
    const m = setup(0, [0x0f, 0xa2, ...HLT], P); // cpuid
    m.cpu.setReg(0, 7n);
    m.cpu.setReg(1, 0n);
    expect(m.run().reason).toBe(EXIT_HLT);
    const ebx = m.cpu.getReg(3);
    expect((ebx >> 7n) & 1n).toBe(1n);
    expect((ebx >> 20n) & 1n).toBe(0n);
  });
});
