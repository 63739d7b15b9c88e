/**
 * bench:host — one emulated host carrying many small domains (synthetic XTF-shaped images with
 * hand-placed code). Prints: domains per host before memory runs out, host CPU spent on N blocked
 * domains (process.cpuUsage over a window, against an empty host in the same run), hypercall
 * round-trip cost (against a plain instruction loop in the same run), and the CPU share of 4 busy
 * domains at weights 1:1:2:4. Event-channel round trip between two domains is not measured yet.
 */
import { DomainControl } from '../../libs/xen-core/src/control/domain-control';
import { PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { xtfImage } from '../../libs/xen-core/test/helpers/images';

const ENTRY_PFN = 0x100; // xtfImage: entry 0x100000, VIRT_BASE 0

const le = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const movRax = (v: number): number[] => [0x48, 0xb8, ...le(BigInt(v), 8)];
const movRdi = (v: number): number[] => [0x48, 0xbf, ...le(BigInt(v), 8)];
const SYSCALL = [0x0f, 0x05];
/** jmp back to the entry from the end of `code`. */
const jmpEntry = (code: number[]): number[] => [
  0xe9,
  ...le(BigInt.asUintN(32, BigInt(-(code.length + 5))), 4),
];
const loop = (body: number[]): number[] => [...body, ...jmpEntry(body)];

/** SCHEDOP_block forever (no event will come). */
const IDLE = loop([...movRax(29), ...movRdi(1), ...SYSCALL]);
/** xen_version(XENVER_version) in a loop: one hypercall per iteration. */
const HYPERCALL = loop([...movRax(17), ...movRdi(0), ...SYSCALL]);
/** The same loop without the hypercall (the baseline). */
const PLAIN = loop([...movRax(17), ...movRdi(0), 0x90, 0x90]);
const SPIN = [0xeb, 0xfe];

function guest(host: PvHost, ctl: DomainControl, name: string, code: number[], weight?: number): number {
  const { domid } = ctl.create({ name, image: xtfImage(), memoryMiB: 4, weight });
  const mfn = host.domains.get(domid)!.built.p2m[ENTRY_PFN];
  host.sys.host.mem.writeBytes(mfn * 4096, Uint8Array.from(code));
  ctl.unpause(domid);
  return domid;
}

/** Create domains until the host refuses; returns the count (then destroys them). */
function domainsUntilFull(hostMiB: number): number {
  const host = new PvHost({ memoryMiB: hostMiB });
  const ctl = new DomainControl(host);
  let n = 0;
  for (;;) {
    try {
      guest(host, ctl, `f${n}`, IDLE);
      n++;
    } catch {
      return n;
    }
  }
}

/** Host CPU (% of one core) used while an agent-like loop runs the host every 10 ms for `ms`. */
async function idleCpuPercent(nDomains: number, ms: number): Promise<number> {
  const host = new PvHost({ memoryMiB: nDomains * 4.5 + 16, idleTime: 'realtime' });
  const ctl = new DomainControl(host);
  for (let i = 0; i < nDomains; i++) guest(host, ctl, `i${i}`, IDLE);
  host.run(10_000_000); // every domain reaches SCHEDOP_block
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < ms) {
    host.run(1_000_000);
    ctl.service();
    await new Promise((r) => setTimeout(r, 10));
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

/** Wall ns per loop iteration of `code` over `iterations`. */
function nsPerIteration(code: number[], iterations: number, insnsPerIteration: number): number {
  const host = new PvHost({ memoryMiB: 16 });
  const ctl = new DomainControl(host);
  guest(host, ctl, 'h', code);
  host.run(100_000); // warm up
  const t0 = process.hrtime.bigint();
  host.run(iterations * insnsPerIteration);
  return Number(process.hrtime.bigint() - t0) / iterations;
}

function shares(): number[] {
  const host = new PvHost({ memoryMiB: 32, sliceInstructions: 100_000, scheduler: { periodNs: 1_000_000 } });
  const ctl = new DomainControl(host);
  const ids = [1, 1, 2, 4].map((w, i) => guest(host, ctl, `w${i}`, SPIN, w * 64));
  host.run(40_000_000);
  const ins = ids.map((id) => ctl.info(id).instructionsRetired);
  const total = ins.reduce((a, b) => a + b, 0);
  return ins.map((x) => x / total);
}

async function main(): Promise<void> {
  const N = Number(process.env.BENCH_HOST_DOMAINS ?? 256);
  const rows: Array<[string, string, string]> = [];
  const full = domainsUntilFull(1024);
  rows.push([
    'domains (4 MiB) on a 1 GiB host',
    String(full),
    `${((full * 4 * 100) / 1024).toFixed(1)} % of host memory in guests`,
  ]);
  const base = await idleCpuPercent(0, 1000);
  const idle = await idleCpuPercent(N, 1000);
  rows.push([
    `host CPU, ${N} blocked domains`,
    `${idle.toFixed(2)} % of a core`,
    `empty host ${base.toFixed(2)} %`,
  ]);
  const plain = nsPerIteration(PLAIN, 200_000, 5);
  const hc = nsPerIteration(HYPERCALL, 200_000, 4);
  rows.push([
    'hypercall round trip (xen_version)',
    `${hc.toFixed(0)} ns`,
    `${(hc / plain).toFixed(1)} × a 5-insn loop iteration (${plain.toFixed(0)} ns)`,
  ]);
  const s = shares();
  const want = [1, 1, 2, 4].map((w) => w / 8);
  const worst = Math.max(...s.map((x, i) => Math.abs(x - want[i]) / want[i]));
  rows.push([
    'CPU share, weights 1:1:2:4',
    s.map((x) => (x * 100).toFixed(1) + '%').join(' : '),
    `worst error ${(worst * 100).toFixed(2)} % of target`,
  ]);
  rows.push(['event-channel round trip', 'not measured', '-']);
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => x.padEnd(w[c])).join(' | '));
}

void main();
