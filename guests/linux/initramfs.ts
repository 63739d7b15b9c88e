/** The busybox initramfs: /init, busybox with its applet links, and the few device nodes boot needs. */
import { buildNewcArchive, type CpioEntry } from './cpio-newc';

/** What the image's shell prints when ready (image.json `prompt`; tests wait for it). */
export const SHELL_PROMPT = ' # ';

/** Applets linked into /bin so the shell and /init find them without `busybox` in front. */
const APPLETS = [
  'sh',
  'ash',
  'cat',
  'cp',
  'dmesg',
  'echo',
  'grep',
  'head',
  'hostname',
  'ls',
  'mkdir',
  'mount',
  'mv',
  'ps',
  'rm',
  'sed',
  'sleep',
  'tail',
  'umount',
  'uname',
  'wc',
  'free',
  'df',
  'uptime',
  'top',
  'vi',
  'poweroff',
  'reboot',
  'halt',
  'setsid',
  'cttyhack',
  'env',
  'true',
  'false',
  'test',
  'seq',
  'date',
  'id',
  'tr',
  'dd',
  'hexdump',
  'od',
  'timeout',
  'printf',
  'touch',
  'ln',
  'chmod',
  'find',
  'xargs',
  'sync',
  'clear',
  'more',
  'less',
  'basename',
  'dirname',
];

/**
 * /init stays PID 1 (the kernel panics if it exits) and respawns a login-free shell on the console.
 * The hostname is the domain's xenstore `name`, read through the kernel's /dev/xen/xenbus with one raw
 * xs_wire XS_READ (type 2; header u32 type, req_id, tx_id, len, then the NUL-terminated path); a
 * `hostname=` on the command line wins, and `xeno` is the fallback when xenstore does not answer.
 */
const INIT_SCRIPT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
xs_read() {
  [ -c /dev/xen/xenbus ] || return 1
  printf "\\002\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\\\$(printf %03o $((\${#1} + 1)))\\000\\000\\000$1\\000" > /tmp/xs-request
  timeout 5 sh -c 'exec 3<>/dev/xen/xenbus; cat /tmp/xs-request >&3; dd bs=4096 count=1 <&3 2>/dev/null' > /tmp/xs-reply
  [ $(($(head -c 1 /tmp/xs-reply | od -An -tu1))) -eq 2 ] || return 1
  tail -c +17 /tmp/xs-reply
}
name=$(xs_read name)
for word in $(cat /proc/cmdline); do
  case "$word" in hostname=*) name="\${word#hostname=}" ;; esac
done
hostname "\${name:-xeno}" 2>/dev/null || hostname xeno
rm -f /tmp/xs-request /tmp/xs-reply
export HOME=/root PATH=/bin:/sbin ENV=/etc/shrc
echo "busybox initramfs: shell on the console"
while true; do
  setsid cttyhack /bin/sh
done
`;

/**
 * No init daemon to signal: power off and reboot go straight to the kernel. The kernel itself runs
 * /sbin/poweroff and /sbin/reboot when the toolstack asks through xenstore control/shutdown
 * (orderly_poweroff), so those are scripts that do the same.
 */
const SHELL_RC = `alias poweroff='poweroff -f' reboot='reboot -f' halt='halt -f'
PS1='\\h:\\w${SHELL_PROMPT}'
`;
const ORDERLY = (applet: string): string => `#!/bin/sh\nsync\nexec /bin/busybox ${applet} -f\n`;

export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'etc', 'proc', 'sys', 'root', 'tmp'].map((dir): CpioEntry => ({
      kind: 'dir',
      path: dir,
      mode: dir === 'tmp' ? 0o1777 : 0o755,
    })),
    // The kernel opens /dev/console for /init before devtmpfs is mounted.
    { kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', mode: 0o755, data: busybox },
    ...APPLETS.map((name): CpioEntry => ({ kind: 'symlink', path: `bin/${name}`, target: 'busybox' })),
    { kind: 'file', path: 'init', mode: 0o755, data: text(INIT_SCRIPT) },
    { kind: 'file', path: 'etc/shrc', mode: 0o644, data: text(SHELL_RC) },
    { kind: 'dir', path: 'sbin', mode: 0o755 },
    ...['poweroff', 'reboot', 'halt'].map((applet): CpioEntry => ({
      kind: 'file',
      path: `sbin/${applet}`,
      mode: 0o755,
      data: text(ORDERLY(applet)),
    })),
  ];
  return buildNewcArchive(entries);
}
