import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tuneV8 } from '../../libs/x86-core/src/engine/v8-tuning';
import { PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { findProjectRoot } from '../infra';
import { LinuxConsole } from './linux-console';
import { hottestAddresses, kallsymsLookupCommand, RipProfile } from './rip-profile';

/*
 * `node dist/tools/linux-boot/main.js [--image-dir DIR] [--name NAME] [--profile] [--command CMD]...`: boots the Debian Linux image
 * (`npm run build:image:linux`) on a fresh xen-core host, exactly as built for production (compiled
 * JavaScript, tuned V8), waits for the shell prompt, runs the commands, powers off, and prints one JSON
 * line (`BootReport`) last. `--profile` samples the guest RIP every 100 k instructions of the boot and,
 * at the prompt, names the hottest kernel functions from the guest's /proc/kallsyms. test:linux runs it as a child process, so the figures are the product's own
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
  /** With --profile: the boot's largest shares by kernel function. */
  profile?: Array<{ name: string; share: number; samples: number }>;
  /**
   * With --balloon-mib: the memory the domain held before its target was lowered, after, and after the
   * target went back up to where it was.
   */
  balloon?: { targetKiB: number; beforeKiB: number; afterKiB: number; restoredKiB: number };
}

const PROFILE_SAMPLE_INSTRUCTIONS = 100_000;

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
  let balloonMiB: number | undefined;
  let name: string | undefined;
  let profiling = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--image-dir') imageDir = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--command') commands.push(argv[++i] ?? '');
    else if (argv[i] === '--name') name = argv[++i];
    else if (argv[i] === '--profile') profiling = true;
    else if (argv[i] === '--balloon-mib') balloonMiB = Number(argv[++i]);
    else
      throw new Error(
        `unknown argument "${argv[i]}" (use --image-dir DIR, --name NAME, --profile, --command CMD, --balloon-mib MIB)`,
      );
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
  const profile = profiling ? new RipProfile(PROFILE_SAMPLE_INSTRUCTIONS) : undefined;
  linux.profile = profile;
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
  linux.profile = undefined;
  if (prompted && profile) report.profile = await resolveProfile(linux, profile, manifest.prompt);
  if (prompted) {
    for (const command of commands) {
      report.commands.push({
        command,
        output: await linux.command(command, manifest.prompt, COMMAND_BUDGET),
      });
    }
    if (balloonMiB !== undefined) report.balloon = await balloon(host, linux, dom.exec.id, balloonMiB);
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

/**
 * Lowers the domain's xenstore memory/target (what `DomainControl.setMemoryTarget` and `xl mem-set` write)
 * and lets the guest run: Linux's balloon driver hands the difference back with decrease_reservation.
 * Then the target goes back up and the driver takes the memory again (populate_physmap).
 */
async function balloon(host: PvHost, linux: LinuxConsole, domid: number, targetMiB: number) {
  const domain = host.domains.get(domid)!.exec.domain;
  const beforeKiB = domain.totPages * 4;
  const targetKiB = targetMiB * 1024;
  host.xenstore!.client.write(`/local/domain/${domid}/memory/target`, String(targetKiB));
  await linux.runUntil(() => domain.totPages * 4 <= targetKiB, COMMAND_BUDGET);
  const afterKiB = domain.totPages * 4;
  host.xenstore!.client.write(`/local/domain/${domid}/memory/target`, String(beforeKiB));
  await linux.runUntil(() => domain.totPages * 4 >= beforeKiB, COMMAND_BUDGET);
  return { targetKiB, beforeKiB, afterKiB, restoredKiB: domain.totPages * 4 };
}

/** Names the boot's hottest kernel functions by asking the guest's kallsyms about the sampled addresses. */
async function resolveProfile(
  linux: LinuxConsole,
  profile: RipProfile,
  prompt: string,
): Promise<BootReport['profile']> {
  const hot = hottestAddresses(profile, 0.95, 600);
  const mark = linux.text.length;
  linux.type('cat > /tmp/hot\n');
  linux.type(`${hot.join('\n')}\n\x04`);
  if (!(await linux.runUntil((t) => t.indexOf(prompt, mark) >= 0, COMMAND_BUDGET)))
    throw new Error('the guest did not take the address list');
  const answer = await linux.command(kallsymsLookupCommand('/tmp/hot'), prompt, 4 * COMMAND_BUDGET);
  const symbolOf = new Map<string, string>();
  for (const match of answer.matchAll(/^([0-9a-f]{16}) (\S+)\r?$/gm)) symbolOf.set(match[1], match[2]);
  const shares = profile.report(symbolOf, 15);
  console.log(
    `[linux-boot] profile: ${profile.total} samples of ${PROFILE_SAMPLE_INSTRUCTIONS} instructions, ` +
      `${symbolOf.size}/${hot.length} hottest addresses named`,
  );
  for (const s of shares) console.log(`  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.name}`);
  return shares;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`[linux-boot] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
