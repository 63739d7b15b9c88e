/**
 * `npm run test:linux`: Debian's unmodified cloud kernel boots on xen-core to the busybox shell of the
 * image `npm run build:image:linux` builds, runs commands, balloons down and back up, and powers off. Debian's binaries cannot be
 * committed, so without a built image this file skips, saying why.
 *
 * The boot runs in a child process on the compiled build (tools/linux-boot), as the node agent runs
 * guests: under the test runner's module transform the interpreter is ~8× slower (11 vs 60-110 MIPS
 * measured on the same boot), which would turn a 45 s boot into minutes and measure the wrong thing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BootReport } from '../../../../tools/linux-boot/main';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const imageDir = path.join(process.env.DATA_DIR ?? path.join(repoRoot, '.data'), 'images', 'debian-linux');
const runner = path.join(repoRoot, 'dist', 'tools', 'linux-boot', 'main.js');
const built = existsSync(path.join(imageDir, 'image.json'));
if (!built) {
  console.log(
    `[test:linux] skipped: no Debian Linux image at ${imageDir} (run \`npm run build:image:linux\` first)`,
  );
}

const COMMANDS = ['hostname', 'uname -a', 'cat /proc/cpuinfo', 'ls /', 'echo $((6*7))', 'dmesg | tail'];

describe.skipIf(!built)("Debian's Linux cloud kernel on xen-core", () => {
  it('boots to the busybox shell, runs commands and powers off', async () => {
    expect(existsSync(runner), `${runner} is missing: run \`npm run build:server\` first`).toBe(true);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        runner,
        '--image-dir',
        imageDir,
        '--name',
        'linux-test-1',
        ...COMMANDS.flatMap((c) => ['--command', c]),
        ...['--balloon-mib', '96'],
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]) as BootReport;
    for (const line of lines.slice(0, -1)) console.log(line);
    if (!report.prompted) throw new Error(`no shell prompt; console tail:\n${report.consoleTail}`);
    const output = (command: string) => report.commands.find((c) => c.command === command)?.output ?? '';

    // /init names the host after the domain's xenstore `name`, read over /dev/xen/xenbus.
    expect(output('hostname')).toMatch(/^[^\n]*\nlinux-test-1\r?\n/);
    expect(output('uname -a')).toMatch(/Linux \S+ 6\.\d+\.\d+-\d+-cloud-amd64 .* x86_64/);
    expect(output('cat /proc/cpuinfo')).toMatch(/flags\s*:.*\bsse2\b/);
    expect(output('cat /proc/cpuinfo')).toMatch(/hypervisor/);
    expect(output('ls /')).toMatch(/bin[\s\S]*proc[\s\S]*sys/);
    expect(output('echo $((6*7))')).toMatch(/^[^\n]*\n42\r?\n/);
    expect(output('dmesg | tail')).toMatch(/\[\s*\d+\.\d+\]/);
    // Its balloon driver gives memory back when the toolstack lowers memory/target, and takes it again.
    expect(report.balloon).toMatchObject({ beforeKiB: 131072, targetKiB: 98304 });
    expect(report.balloon!.afterKiB).toBeLessThanOrEqual(98304);
    expect(report.balloon!.restoredKiB).toBe(131072);
    expect(report.shutdown).toBe('poweroff');
    console.log(
      `[test:linux] prompt after ${report.bootInstructions} guest instructions in ${report.bootSeconds.toFixed(1)} s; ` +
        `commands and poweroff done after ${report.totalInstructions} in ${report.totalSeconds.toFixed(1)} s`,
    );
  }, 1_800_000);
});
