/** The busybox initramfs: /init, busybox with its applet links, and the few device nodes boot needs. */
import { buildNewcArchive, type CpioEntry } from './cpio-newc';

/** What the image's shell prints when ready (image.json `prompt`; tests wait for it). */
export const SHELL_PROMPT = ' # ';

/** Applets linked into /bin so the shell and /init find them without `busybox` in front. */
const APPLETS = [
  'sh', 'ash', 'cat', 'cp', 'dmesg', 'echo', 'grep', 'head', 'hostname', 'ls', 'mkdir', 'mount', 'mv', 'ps',
  'rm', 'sed', 'sleep', 'tail', 'umount', 'uname', 'wc', 'free', 'df', 'uptime', 'top', 'vi', 'poweroff',
  'reboot', 'halt', 'setsid', 'cttyhack', 'env', 'true', 'false', 'test', 'seq', 'date', 'id', 'tr', 'dd',
  'hexdump', 'touch', 'ln', 'chmod', 'find', 'xargs', 'sync', 'clear', 'more', 'less', 'basename', 'dirname',
];

/**
 * /init stays PID 1 (the kernel panics if it exits) and respawns a login-free shell on the console.
 * The hostname comes from `hostname=` on the command line: busybox has no xenstore client, and the
 * raw xenbus protocol is beyond a shell script.
 */
const INIT_SCRIPT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for word in $(cat /proc/cmdline); do
  case "$word" in hostname=*) hostname "\${word#hostname=}" ;; esac
done
[ "$(hostname)" = "(none)" ] && hostname xeno
export HOME=/root PATH=/bin ENV=/etc/shrc
echo "busybox initramfs: shell on the console"
while true; do
  setsid cttyhack /bin/sh
done
`;

/** No init daemon to signal: power off and reboot go straight to the kernel. */
const SHELL_RC = `alias poweroff='poweroff -f' reboot='reboot -f' halt='halt -f'
PS1='\\h:\\w${SHELL_PROMPT}'
`;

export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'etc', 'proc', 'sys', 'root', 'tmp'].map(
      (dir): CpioEntry => ({ kind: 'dir', path: dir, mode: dir === 'tmp' ? 0o1777 : 0o755 }),
    ),
    // The kernel opens /dev/console for /init before devtmpfs is mounted.
    { kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', mode: 0o755, data: busybox },
    ...APPLETS.map((name): CpioEntry => ({ kind: 'symlink', path: `bin/${name}`, target: 'busybox' })),
    { kind: 'file', path: 'init', mode: 0o755, data: text(INIT_SCRIPT) },
    { kind: 'file', path: 'etc/shrc', mode: 0o644, data: text(SHELL_RC) },
  ];
  return buildNewcArchive(entries);
}
