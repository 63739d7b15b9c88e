/**
 * bench:host — one emulated host carrying many small domains (synthetic XTF-shaped images with
 * hand-placed code). Prints: domains per host before memory runs out, host CPU spent on N blocked
 * domains and N xenolite domains at their prompt (process.cpuUsage over a window of the agent's event-driven
 * loop, against an empty host in the same run), hypercall
 * round-trip cost (against a plain instruction loop in the same run), and the CPU share of 4 busy
 * domains at weights 1:1:2:4, and the event-channel round trip between two guests ping-ponging
 * over one interdomain channel (against the hypercall round trip in the same run).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DomainControl } from '../../libs/xen-core/src/control/domain-control';
import { callerOf, hostCaller } from '../../libs/xen-core/src/events/event-channels';
import { CONTROL_DOMID, PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { xtfImage } from '../../libs/xen-core/test/helpers/images';
import { findProjectRoot } from '../infra';

const ENTRY_PFN = 0x100; // xtfImage: entry 0x100000, VIRT_BASE 0

const le = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const movRax = (v: number): number[] => [0x48, 0xb8, ...le(BigInt(v), 8)];
const movRdi = (v: number): number[] => [0x48, 0xbf, ...le(BigInt(v), 8)];
const movRsi = (v: number): number[] => [0x48, 0xbe, ...le(BigInt(v), 8)];
const SYSCALL = [0x0f, 0x05];
/** jmp from the end of `code` back to byte offset `target` of it. */
const jmpTo = (code: number[], target: number): number[] => [
  0xe9,
  ...le(BigInt.asUintN(32, BigInt(target - (code.length + 5))), 4),
];
const abs32 = (a: number): number[] => le(BigInt(a), 4);
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

/*
 * Ping-pong guests. The guest maps its own shared_info over a bss page (update_va_mapping with the
 * machine address from start_info, as Linux does) so it can clear its port's pending bit, then
 * loops on EVTCHNOP_send + SCHEDOP_poll: the whole guest-visible path of a notification.
 */
const DATA_PFN = 0x103; // bss: evtchn_send / sched_poll arguments and the round counter
const DATA_VA = DATA_PFN * 4096;
const SHINFO_VA = 0x104000; // bss page replaced by the shared_info mapping
const PORT_VA = DATA_VA; // u32: this guest's port (the evtchn_send argument and the poll list)
const POLL_VA = DATA_VA + 0x10; // struct sched_poll { ports, nr_ports, timeout }
const ROUNDS_VA = DATA_VA + 0x100; // u64 incremented by the pinging guest once per round
const MAP_SHARED_INFO = [
  ...[0x48, 0x8b, 0x46, 0x28], // mov rax, [rsi + 40]   start_info.shared_info (machine address)
  ...[0x48, 0x83, 0xc8, 0x07], // or rax, P|RW|US
  ...[0x48, 0x89, 0xc6], // mov rsi, rax
  ...movRdi(SHINFO_VA),
  ...[0x31, 0xd2], // xor edx, edx (flags 0)
  ...movRax(14), // update_va_mapping
  ...SYSCALL,
];
/** mov qword [shared_info.evtchn_pending[0]], 0 — ports 1..63 are this guest's only ports. */
const CLEAR_PENDING = [0x48, 0xc7, 0x04, 0x25, ...abs32(SHINFO_VA + 2048), 0, 0, 0, 0];
const COUNT_ROUND = [0x48, 0xff, 0x04, 0x25, ...abs32(ROUNDS_VA)]; // inc qword [ROUNDS_VA]
const SEND = [...movRax(32), ...movRdi(4), ...movRsi(PORT_VA), ...SYSCALL]; // EVTCHNOP_send
const POLL = [...movRax(29), ...movRdi(3), ...movRsi(POLL_VA), ...SYSCALL]; // SCHEDOP_poll
const withLoop = (body: number[]): number[] => {
  const code = [...MAP_SHARED_INFO, ...body];
  return [...code, ...jmpTo(code, MAP_SHARED_INFO.length)];
};
/** Clears, counts, pings, waits for the pong. */
const PINGER = withLoop([...CLEAR_PENDING, ...COUNT_ROUND, ...SEND, ...POLL]);
/** Waits for a ping, clears it, pongs. */
const PONGER = withLoop([...POLL, ...CLEAR_PENDING, ...SEND]);

function createGuest(
  host: PvHost,
  ctl: DomainControl,
  name: string,
  code: number[],
  weight?: number,
): number {
  const { domid } = ctl.create({ name, image: xtfImage(), memoryMiB: 4, weight });
  const mfn = host.domains.get(domid)!.built!.p2m[ENTRY_PFN];
  host.sys.host.mem.writeBytes(mfn * 4096, Uint8Array.from(code));
  return domid;
}

function guest(host: PvHost, ctl: DomainControl, name: string, code: number[], weight?: number): number {
  const domid = createGuest(host, ctl, name, code, weight);
  ctl.unpause(domid);
  return domid;
}

const dataMaddr = (host: PvHost, domid: number): number =>
  host.domains.get(domid)!.built!.p2m[DATA_PFN] * 4096;

/** Writes `port` and a one-port, no-timeout sched_poll into the guest's data page. */
function setGuestPort(host: PvHost, domid: number, port: number): void {
  const arg = new DataView(new ArrayBuffer(0x30));
  arg.setUint32(PORT_VA - DATA_VA, port, true);
  arg.setBigUint64(POLL_VA - DATA_VA, BigInt(PORT_VA), true);
  arg.setUint32(POLL_VA - DATA_VA + 8, 1, true);
  host.sys.host.mem.writeBytes(dataMaddr(host, domid), new Uint8Array(arg.buffer));
}

/** Wall ns per ping-pong round between two guests on one interdomain channel. */
function eventRoundTripNs(rounds: number): number {
  const host = new PvHost({ memoryMiB: 16 });
  const ctl = new DomainControl(host);
  const pinger = createGuest(host, ctl, 'ping', PINGER);
  const ponger = createGuest(host, ctl, 'pong', PONGER);
  const ev = host.sys.events;
  // Dom0 (xl/libxl-style) offers an unbound port on the ponger; the pinger binds it. The bind
  // marks the pinger's port pending, which its loop clears before its first ping.
  const pongPort = ev.allocUnbound(hostCaller(CONTROL_DOMID), ponger, pinger);
  const pingPort = ev.bindInterdomain(callerOf(host.domains.get(pinger)!.exec.domain), ponger, pongPort);
  if (pongPort <= 0 || pingPort <= 0) throw new Error(`interdomain bind failed (${pongPort}, ${pingPort})`);
  setGuestPort(host, pinger, pingPort);
  setGuestPort(host, ponger, pongPort);
  ctl.unpause(ponger);
  ctl.unpause(pinger);
  const roundsDone = (): number => Number(host.sys.host.mem.readU64(dataMaddr(host, pinger) + 0x100));
  host.run(200_000); // warm up
  const r0 = roundsDone();
  const t0 = process.hrtime.bigint();
  while (roundsDone() - r0 < rounds) {
    if (host.run(1_000_000).instructions === 0) throw new Error('ping-pong guests stalled');
  }
  return Number(process.hrtime.bigint() - t0) / (roundsDone() - r0);
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

interface PopulatedHost {
  host: PvHost;
  ctl: DomainControl;
}

/** `n` domains of the bench's own blocked guest, each at SCHEDOP_block (no event will ever come). */
function blockedDomains(n: number): PopulatedHost {
  const host = new PvHost({ memoryMiB: n * 4.5 + 16, idleTime: 'realtime' });
  const ctl = new DomainControl(host);
  for (let i = 0; i < n; i++) guest(host, ctl, `i${i}`, IDLE);
  host.run(10_000_000);
  return { host, ctl };
}

/** `n` xenolite domains of 8 MiB, booted to their shell prompt (what an idle tenant domain is). */
function xenoliteAtPrompt(n: number): PopulatedHost {
  const image = new Uint8Array(readFileSync(path.join(findProjectRoot(), 'guests', 'dist', 'xenolite')));
  const host = new PvHost({ memoryMiB: n * 8.5 + 16, idleTime: 'realtime' });
  const ctl = new DomainControl(host);
  const doms = Array.from({ length: n }, () =>
    host.createDomain({ image, memoryMiB: 8, vcpus: 1, cmdline: '' }),
  );
  const transcripts = doms.map(() => '');
  for (let rounds = 0; ; rounds++) {
    host.run(5_000_000);
    let ready = 0;
    doms.forEach((dom, i) => {
      for (let c = dom.exec.console.output.read(); c !== null; c = dom.exec.console.output.read())
        transcripts[i] += c.toString('latin1');
      if (transcripts[i].includes('xenolite:~$ ')) ready++;
    });
    if (ready === n) return { host, ctl };
    if (rounds > 5_000) throw new Error(`only ${ready} of ${n} xenolite domains reached the prompt`);
  }
}

/**
 * Host CPU (% of one core) for `ms` of the node agent's own run loop (HostRuntime): run while something is
 * runnable, otherwise sleep until the next timer deadline or an event makes a vCPU runnable. Blocked
 * domains cost only the wake-ups their timers cause; the process's own baseline (GC, timers) is in the
 * empty-host figure of the same run.
 */
async function idleCpuPercent(populated: PopulatedHost, ms: number): Promise<number> {
  const { host, ctl } = populated;
  // Collect the garbage of earlier phases (a 1 GiB host was just built and dropped) before measuring,
  // or the collector's background work is counted as the idle domains' cost.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let left = ms; left > 0; left = ms - (performance.now() - t0)) {
    const result = host.run(1_000_000);
    ctl.service();
    if (result.reason === 'budget') {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const sleepMs = result.sleepNs === undefined ? left : Math.min(left, Math.max(1, result.sleepNs / 1e6));
    await Promise.race([new Promise((resolve) => setTimeout(resolve, sleepMs)), host.whenRunnable()]);
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
  // 1 GiB holds 254 domains of 4 MiB (Xen's own frames take the rest); 1056 MiB is sized for 256.
  const hostMiB = Number(process.env.BENCH_HOST_MIB ?? 1056);
  const full = domainsUntilFull(hostMiB);
  rows.push([
    `domains (4 MiB) on a ${hostMiB} MiB host`,
    String(full),
    `${((full * 4 * 100) / hostMiB).toFixed(1)} % of host memory in guests`,
  ]);
  const base = await idleCpuPercent(blockedDomains(0), 3000);
  const idle = await idleCpuPercent(blockedDomains(N), 3000);
  rows.push([
    `host CPU, ${N} blocked domains`,
    `${idle.toFixed(2)} % of a core`,
    `empty host ${base.toFixed(2)} %`,
  ]);
  const idleXenolite = await idleCpuPercent(xenoliteAtPrompt(N), 3000);
  rows.push([
    `host CPU, ${N} xenolite at the prompt`,
    `${idleXenolite.toFixed(2)} % of a core`,
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
  const rtt = eventRoundTripNs(20_000);
  rows.push([
    'event-channel round trip, 2 domains',
    `${rtt.toFixed(0)} ns`,
    `${(rtt / hc).toFixed(1)} × the xen_version round trip`,
  ]);
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => x.padEnd(w[c])).join(' | '));
}

void main();
