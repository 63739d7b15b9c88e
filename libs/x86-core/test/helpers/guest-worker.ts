/**
 * worker_threads entry for multi-threaded tests: attaches to guest memory shared by the test, puts a
 * fresh CPU in 64-bit long mode at CPL 0 with the test's page tables and registers, runs it until
 * HLT and reports the exit. Bundled with esbuild by the test (workers cannot load TypeScript).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Cpu, EXIT_HLT, EXIT_NAMES, PhysicalMemory, type SharedMemoryHandle } from '../../src';

export interface GuestWorkerJob {
  memory: SharedMemoryHandle;
  cr3: bigint;
  rip: bigint;
  /** register number → value */
  regs: [number, bigint][];
  budget: number;
  /** Start barrier: one Int32 word; every worker adds 1 and waits until it reaches `parties`. */
  barrier: SharedArrayBuffer;
  parties: number;
}

export interface GuestWorkerResult {
  exit: string;
  instructions: number;
  rip: bigint;
}

const job = workerData as GuestWorkerJob;
const cpu = new Cpu({ memory: PhysicalMemory.fromShared(job.memory) });
cpu.enterLongMode({ cr3: job.cr3, cpl: 0, rip: job.rip });
for (const [r, v] of job.regs) cpu.setReg(r, v);
// Start together, so the threads' guest loops really overlap instead of running one after the other.
const barrier = new Int32Array(job.barrier);
Atomics.add(barrier, 0, 1);
Atomics.notify(barrier, 0);
for (let seen = Atomics.load(barrier, 0); seen < job.parties; seen = Atomics.load(barrier, 0)) {
  Atomics.wait(barrier, 0, seen, 10);
}
let instructions = 0;
let reason = 0;
while (instructions < job.budget) {
  const ex = cpu.run(Math.min(1_000_000, job.budget - instructions));
  instructions += ex.instructions;
  reason = ex.reason;
  if (reason !== 0) break;
}
const result: GuestWorkerResult = {
  exit: reason === EXIT_HLT ? 'hlt' : EXIT_NAMES[reason],
  instructions,
  rip: cpu.rip,
};
parentPort?.postMessage(result);
