/**
 * bench:pcpus — does a node agent's host use more than one core? Two xenolite domains run `hog` (a CPU-bound
 * loop) on the agent's PartitionedDomainHost, first with one pCPU partition (one worker thread: the two
 * share it), then with two (a worker thread each), measured in the same run. Prints the guest instructions
 * both domains retire per wall-clock second in each layout and the ratio — ~2 on an idle 2-core machine,
 * less when other jobs share the cores.
 *
 *   npm run bench:pcpus [-- --seconds=S]
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { ImageStore } from '@xeno/images';
import { PartitionedDomainHost } from '../../apps/node-agent/src/host/pcpu-partitions';
import { WorkerDomainHost } from '../../apps/node-agent/src/host/worker-domain-host';
import { findProjectRoot } from '../infra';

const PROMPT = 'xenolite:~$ ';
const PARTITION_MIB = 128;

interface Layout {
  partitions: number;
  instructionsPerSecond: number;
  busyShare: number;
}

async function until(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench:pcpus: the guests did not reach their prompt');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(partitions: number, seconds: number, images: ImageStore): Promise<Layout> {
  const workerEntry = path.join(__dirname, '../../apps/node-agent/src/host/host-worker.js');
  const host = new PartitionedDomainHost(
    Array.from({ length: partitions }, () => ({
      host: new WorkerDomainHost({ memoryMiB: PARTITION_MIB, workerEntry }),
      guestMemoryMiB: PARTITION_MIB - 24,
    })),
  );
  const output = new Map<string, string>();
  host.on('console', (domainId, data) => {
    output.set(domainId, (output.get(domainId) ?? '') + Buffer.from(data).toString('latin1'));
    host.acknowledgeConsole(domainId, data.length);
  });
  try {
    const ids = ['hog-a', 'hog-b'];
    for (const domainId of ids) {
      await host.create({
        op: 'create',
        spec: {
          domainId,
          tenantId: 'bench',
          name: domainId,
          imageId: 'xenolite',
          memoryMiB: 32,
          vcpus: 1,
          weight: 256,
          cap: 0,
          cmdline: '',
        },
        kernel: images.load('xenolite').kernel,
      });
      await host.start(domainId);
    }
    await until(() => ids.every((id) => (output.get(id) ?? '').includes(PROMPT)));
    for (const id of ids) host.sendConsoleInput(id, new TextEncoder().encode('hog 100000\n'));
    await new Promise((resolve) => setTimeout(resolve, 500)); // both loops running
    const before = await host.stats();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await host.stats();
    const elapsedMs = performance.now() - started;
    return {
      partitions,
      instructionsPerSecond: ((after.instructions - before.instructions) * 1000) / elapsedMs,
      busyShare: (after.busyMs - before.busyMs) / elapsedMs,
    };
  } finally {
    await host.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const secondsArg = argv.find((a) => a.startsWith('--seconds='));
  const seconds = secondsArg ? Number(secondsArg.slice('--seconds='.length)) : 5;
  if (!(seconds > 0)) throw new Error(`bench:pcpus: bad --seconds (${secondsArg})`);
  const images = new ImageStore(findProjectRoot());
  const load = loadavg()[0].toFixed(2);
  const one = await measure(1, seconds, images);
  const two = await measure(2, seconds, images);
  console.log(
    `bench:pcpus — two xenolite domains running hog, ${seconds} s each layout, load average ${load}`,
  );
  console.log('partitions  guest MIPS (both domains)  pCPUs busy');
  for (const r of [one, two])
    console.log(
      `${String(r.partitions).padEnd(10)}  ${(r.instructionsPerSecond / 1e6).toFixed(1).padStart(24)}  ${r.busyShare.toFixed(2).padStart(10)}`,
    );
  console.log(
    `speed-up with a worker thread per pCPU: ${(two.instructionsPerSecond / one.instructionsPerSecond).toFixed(2)}x`,
  );
}

if (require.main === module)
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
