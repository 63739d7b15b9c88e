/**
 * Measures the PV execution layer on this machine: hypercall round trips per second (xen_version
 * in a guest loop), exception bounce + native iretq round trips per second, and every test kernel's
 * boot (guest instructions, hypercalls, exits, wall time). Figures are measured in this run only.
 *
 *   node dist/tools/demo-pv/bench-pv.js [--loops=N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { KERNELS } from './hostile-guest';

const loops = Number(process.argv.find((a) => a.startsWith('--loops='))?.slice(8) ?? 200_000);

/** A booted test kernel whose code area the benchmark overwrites with its own loop. */
interface BenchGuest {
  host: PvHost;
  code: bigint;
  write: (va: bigint, b: number[]) => void;
  /** Runs the loop to its poweroff; returns wall seconds. */
  run: () => number;
  stats: () => { hypercalls: number; exits: number; shutdown: string | undefined };
}

function guest(): BenchGuest {
  const host = new PvHost({ memoryMiB: 32 });
  const dom = host.createDomain({
    image: new Uint8Array(readFileSync(join(KERNELS, 'hypercalls-basic.elf'))),
    memoryMiB: 8,
  });
  const v = dom.exec.vcpus[0];
  host.enter(v);
  const l = dom.built.layout;
  const va = (pfn: number): bigint => l.virtBase + BigInt(pfn) * 4096n;
  const write = (addr: bigint, b: number[]): void => {
    const pfn = Number((addr - l.virtBase) >> 12n);
    host.sys.host.mem.writeBytes(dom.built.p2m[pfn] * 4096 + Number(addr & 0xfffn), Uint8Array.from(b));
  };
  const code = va(l.stackPfn + 2);
  return {
    host,
    code,
    write,
    run: () => {
      // The program ends at code+0x40: sched_op_compat(SCHEDOP_shutdown, poweroff) stops the host loop.
      write(code + 0x40n, [0xb8, 6, 0, 0, 0, 0xbf, 2, 0, 0, 0, 0x31, 0xf6, 0x0f, 0x05]);
      host.cpu.rip = code;
      const t0 = process.hrtime.bigint();
      while (dom.exec.shutdown === undefined) host.run(50_000_000);
      return Number(process.hrtime.bigint() - t0) / 1e9;
    },
    stats: () => ({
      hypercalls: dom.exec.hypercalls,
      exits: dom.exec.exits,
      shutdown: dom.exec.shutdown?.name,
    }),
  };
}

/** The loop must have run to its end (poweroff) with one exit per iteration, or the figure is void. */
function check(g: BenchGuest, what: string): void {
  const s = g.stats();
  if (s.shutdown !== 'poweroff' || s.exits < loops)
    throw new Error(`${what}: bench loop broke (${JSON.stringify(s)})`);
}

const imm32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

function benchHypercalls(): void {
  const g = guest();
  // mov $loops,%rbx ; 1: mov $17,%eax ; xor %edi,%edi ; syscall ; dec %rbx ; jnz 1b ; jmp to end
  const body = [0xb8, 17, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05, 0x48, 0xff, 0xcb];
  const prog = [0x48, 0xc7, 0xc3, ...imm32(loops), ...body, 0x75, -(body.length + 2) & 0xff];
  g.write(g.code, [...prog, 0xe9, ...imm32(0x40 - prog.length - 5)]);
  const s = g.run();
  check(g, 'hypercalls');
  console.log(
    `hypercall round trips (xen_version): ${loops} in ${s.toFixed(2)} s = ${Math.round(loops / s)}/s`,
  );
}

function benchBounces(): void {
  const g = guest();
  const v = g.host.current!;
  const handler = g.code + 0x80n;
  // handler: pop %rcx ; pop %r11 ; orb $3,8(%rsp) ; iretq
  g.write(handler, [0x59, 0x41, 0x5b, 0x80, 0x4c, 0x24, 0x08, 0x03, 0x48, 0xcf]);
  v.trapAddr[3] = handler;
  // mov $loops,%rbx ; 1: int3 ; dec %rbx ; jnz 1b ; jmp end
  const prog = [0x48, 0xc7, 0xc3, ...imm32(loops), 0xcc, 0x48, 0xff, 0xcb, 0x75, 0xfa];
  g.write(g.code, [...prog, 0xe9, ...imm32(0x40 - prog.length - 5)]);
  const s = g.run();
  check(g, 'bounces');
  console.log(
    `#BP bounce + native iretq round trips: ${loops} in ${s.toFixed(2)} s = ${Math.round(loops / s)}/s`,
  );
}

function benchKernels(): void {
  const manifest = JSON.parse(readFileSync(join(KERNELS, 'manifest.json'), 'utf8')) as {
    kernels: Array<{
      name: string;
      image: string;
      memoryMiB: number;
      maxMemoryMiB: number;
      vcpus: number;
      consoleInput: { waitFor: string; send: string } | null;
    }>;
  };
  for (const k of manifest.kernels) {
    const host = new PvHost({ memoryMiB: k.maxMemoryMiB + 16 });
    const dom = host.createDomain({
      image: new Uint8Array(readFileSync(join(KERNELS, k.image))),
      memoryMiB: k.memoryMiB,
      maxMemoryMiB: k.maxMemoryMiB,
      vcpus: k.vcpus,
    });
    let out = '';
    const drain = (): void => {
      for (let c = dom.exec.console.output.read(); c !== null; c = dom.exec.console.output.read()) out += c;
    };
    const t0 = process.hrtime.bigint();
    let insns = 0;
    let sent = false;
    while (dom.exec.shutdown === undefined) {
      const r = host.run(10_000_000);
      insns += r.instructions;
      drain();
      if (k.consoleInput && !sent && out.includes(k.consoleInput.waitFor)) {
        sent = true;
        dom.exec.console.input.write(k.consoleInput.send);
        continue;
      }
      if (r.reason !== 'budget') break;
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const e = dom.exec;
    console.log(
      `${k.name.padEnd(17)} ${String(e.shutdown?.name ?? 'running').padEnd(8)} ${String(insns).padStart(9)} insns ` +
        `${String(e.hypercalls).padStart(4)} hypercalls ${String(e.exits).padStart(4)} exits ${(s * 1000).toFixed(0).padStart(5)} ms`,
    );
  }
}

benchHypercalls();
benchBounces();
benchKernels();
