/**
 * `npm run test:linux`: Debian's unmodified cloud kernel boots on xen-core to the busybox shell of the
 * image `npm run build:image:linux` builds, runs commands and powers off. Debian's binaries cannot be
 * committed, so without a built image this file skips, saying why.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const imageDir = path.join(process.env.DATA_DIR ?? path.join(repoRoot, '.data'), 'images', 'debian-linux');
const manifestPath = path.join(imageDir, 'image.json');
const built = existsSync(manifestPath);
if (!built) {
  console.log(
    `[test:linux] skipped: no Debian Linux image at ${imageDir} (run \`npm run build:image:linux\` first)`,
  );
}

/** Upper bound for the whole boot (the doc plans for 1.5–3.5 G instructions to the prompt). */
const BOOT_BUDGET = 6_000_000_000;
const COMMAND_BUDGET = 1_000_000_000;
const SLICE = 20_000_000;

interface Manifest {
  kernel: string;
  ramdisk: string;
  prompt: string;
  defaults: { memoryMiB: number; cmdline: string };
}

const CURSOR_QUERY = '\x1b[6n';

class LinuxConsole {
  text = '';
  private answered = 0;
  instructions = 0;
  constructor(
    private readonly host: PvHost,
    private readonly dom: PvDomain,
  ) {}

  /**
   * Runs the guest until `done(text)` holds, shutdown, or the budget; returns whether it held. Yields to
   * the event loop between slices: a minutes-long synchronous boot starves vitest's worker RPC, which then
   * reports "Timeout calling onTaskUpdate" and fails the run.
   */
  async runUntil(done: (text: string) => boolean, budget: number): Promise<boolean> {
    const limit = this.instructions + budget;
    while (!done(this.text) && this.dom.exec.shutdown === undefined && this.instructions < limit) {
      const r = this.host.run(SLICE);
      this.instructions += r.instructions;
      this.drain();
      if (r.reason === 'halted') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.drain();
    // The whole transcript lands next to the image, to read when a step fails.
    writeFileSync(path.join(imageDir, 'last-console.log'), this.text, 'latin1');
    return done(this.text);
  }

  /** Types `command`, returns what it printed up to the next prompt. */
  async command(command: string, prompt: string): Promise<string> {
    const from = this.text.length;
    this.dom.exec.console.input.write(`${command}\n`);
    const ok = await this.runUntil((t) => t.indexOf(prompt, from + command.length) >= 0, COMMAND_BUDGET);
    if (!ok) throw new Error(`no prompt after "${command}"; console tail:\n${this.text.slice(-1500)}`);
    return this.text.slice(from, this.text.indexOf(prompt, from + command.length));
  }

  private drain(): void {
    const out = this.dom.exec.console.output;
    for (let chunk = out.read(); chunk !== null; chunk = out.read()) {
      this.text += chunk.toString('latin1');
      this.answerCursorQueries();
    }
  }

  /**
   * busybox's line editor asks where the cursor is (ESC[6n) after printing the prompt; answer the way
   * a terminal does (ESC[row;colR) so the shell's idea of the cursor column matches the transcript.
   */
  private answerCursorQueries(): void {
    for (
      let at = this.text.indexOf(CURSOR_QUERY, this.answered);
      at >= 0;
      at = this.text.indexOf(CURSOR_QUERY, this.answered)
    ) {
      const column = at - this.text.lastIndexOf('\n', at - 1);
      this.dom.exec.console.input.write(`\x1b[1;${column}R`);
      this.answered = at + CURSOR_QUERY.length;
    }
  }
}

describe.skipIf(!built)("Debian's Linux cloud kernel on xen-core", () => {
  it('boots to the busybox shell, runs commands and powers off', async () => {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const memoryMiB = manifest.defaults.memoryMiB;
    const host = new PvHost({ memoryMiB: memoryMiB + 16 + Math.ceil(memoryMiB / 64) });
    const dom = host.createDomain({
      image: new Uint8Array(readFileSync(path.join(imageDir, manifest.kernel))),
      ramdisk: new Uint8Array(readFileSync(path.join(imageDir, manifest.ramdisk))),
      memoryMiB,
      vcpus: 1,
      cmdline: manifest.defaults.cmdline,
    });
    const linux = new LinuxConsole(host, dom);
    const t0 = performance.now();
    const prompted = await linux.runUntil((t) => t.includes(manifest.prompt), BOOT_BUDGET);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `[test:linux] ${prompted ? 'prompt' : 'NO prompt'} after ${linux.instructions} guest instructions, ` +
        `${seconds.toFixed(1)} s (${(linux.instructions / seconds / 1e6).toFixed(1)} MIPS)`,
    );
    if (!prompted) throw new Error(`no shell prompt; console tail:\n${linux.text.slice(-2500)}`);

    expect(await linux.command('uname -a', manifest.prompt)).toMatch(
      /Linux \S+ 6\.\d+\.\d+-\d+-cloud-amd64 .* x86_64/,
    );
    const cpuinfo = await linux.command('cat /proc/cpuinfo', manifest.prompt);
    expect(cpuinfo).toMatch(/flags\s*:.*\bsse2\b/);
    expect(cpuinfo).toMatch(/hypervisor/);
    expect(await linux.command('ls /', manifest.prompt)).toMatch(/bin[\s\S]*proc[\s\S]*sys/);
    expect(await linux.command('echo $((6*7))', manifest.prompt)).toMatch(/^[^\n]*\n42\r?\n/);
    expect(await linux.command('dmesg | tail', manifest.prompt)).toMatch(/\[\s*\d+\.\d+\]/);

    dom.exec.console.input.write('poweroff\n');
    await linux.runUntil(() => false, COMMAND_BUDGET);
    expect(dom.exec.shutdown?.name).toBe('poweroff');
    console.log(
      `[test:linux] commands and poweroff done after ${linux.instructions} guest instructions in all, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    host.destroyDomain(dom.exec.id);
  }, 1_800_000); // ~10 min to the prompt at ~3 MIPS on the loaded shared VM; commands and poweroff on top
});
