import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tuneV8 } from '../../libs/x86-core/src/engine/v8-tuning';
import { PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { findProjectRoot } from '../infra';
import { LinuxConsole } from './linux-console';

/*
 * `node dist/tools/linux-boot/main.js [--image-dir DIR] [--name NAME] [--command CMD]...`: boots the Debian Linux image
 * (`npm run build:image:linux`) on a fresh xen-core host, exactly as built for production (compiled
 * JavaScript, tuned V8), waits for the shell prompt, runs the commands, powers off, and prints one JSON
 * line (`BootReport`) last. test:linux runs it as a child process, so the figures are the product's own
 * speed and not that of a test runner's module transform (measured ~8× slower for the interpreter).
 */
export interface BootReport {
  prompted: boolean;
  bootInstructions: number;
  bootSeconds: number;
  commands: Array<{ command: string; output: string }>;
  shutdown: string | null;
  totalInstructions: number;
  totalSeconds: number;
  consoleTail: string;
}

interface Manifest {
  kernel: string;
  ramdisk: string;
  prompt: string;
  defaults: { memoryMiB: number; cmdline: string };
}

/** Upper bounds in guest instructions (the doc plans for 1.5–3.5 G to the prompt). */
const BOOT_BUDGET = 6_000_000_000;
const COMMAND_BUDGET = 1_000_000_000;

async function main(argv: string[]): Promise<void> {
  let imageDir = path.join(
    process.env.DATA_DIR ?? path.join(findProjectRoot(), '.data'),
    'images',
    'debian-linux',
  );
  const commands: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--image-dir') imageDir = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--command') commands.push(argv[++i] ?? '');
    else if (argv[i] === '--name') name = argv[++i];
    else throw new Error(`unknown argument "${argv[i]}" (use --image-dir DIR, --name NAME, --command CMD)`);
  }
  const manifestPath = path.join(imageDir, 'image.json');
  if (!existsSync(manifestPath))
    throw new Error(`no Debian Linux image at ${imageDir} (run \`npm run build:image:linux\` first)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const v8Tuned = tuneV8();

  const memoryMiB = manifest.defaults.memoryMiB;
  const host = new PvHost({ memoryMiB: memoryMiB + 16 + Math.ceil(memoryMiB / 64) });
  const dom = host.createDomain({
    name,
    image: new Uint8Array(readFileSync(path.join(imageDir, manifest.kernel))),
    ramdisk: new Uint8Array(readFileSync(path.join(imageDir, manifest.ramdisk))),
    memoryMiB,
    vcpus: 1,
    cmdline: manifest.defaults.cmdline,
  });
  const linux = new LinuxConsole(host, dom);
  const t0 = performance.now();
  const prompted = await linux.runUntil((t) => t.includes(manifest.prompt), BOOT_BUDGET);
  const bootSeconds = (performance.now() - t0) / 1000;
  const bootInstructions = linux.instructions;
  console.log(
    `[linux-boot] ${prompted ? 'prompt' : 'NO prompt'} after ${bootInstructions} guest instructions, ` +
      `${bootSeconds.toFixed(1)} s (${(bootInstructions / bootSeconds / 1e6).toFixed(1)} MIPS, V8 ${v8Tuned ? 'tuned' : 'defaults'})`,
  );
  const report: BootReport = {
    prompted,
    bootInstructions,
    bootSeconds,
    commands: [],
    shutdown: null,
    totalInstructions: 0,
    totalSeconds: 0,
    consoleTail: '',
  };
  if (prompted) {
    for (const command of commands) {
      report.commands.push({
        command,
        output: await linux.command(command, manifest.prompt, COMMAND_BUDGET),
      });
    }
    linux.type('poweroff\n');
    await linux.runUntil(() => false, COMMAND_BUDGET);
  }
  report.shutdown = dom.exec.shutdown?.name ?? null;
  report.totalInstructions = linux.instructions;
  report.totalSeconds = (performance.now() - t0) / 1000;
  report.consoleTail = linux.text.slice(-2500);
  // The whole transcript lands next to the image, to read when a step fails.
  writeFileSync(path.join(imageDir, 'last-console.log'), linux.text, 'latin1');
  host.destroyDomain(dom.exec.id);
  console.log(JSON.stringify(report));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`[linux-boot] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
