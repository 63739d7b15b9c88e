import { describe, expect, it } from 'vitest';
import { buildNewcArchive } from './cpio-newc';
import { buildInitramfs } from './initramfs';

interface Parsed {
  name: string;
  mode: number;
  rdevMajor: number;
  rdevMinor: number;
  data: string;
}

/** Reads a newc archive back (independently of the writer) to check headers, names and alignment. */
function parse(archive: Uint8Array): Parsed[] {
  const text = new TextDecoder('latin1');
  const out: Parsed[] = [];
  let at = 0;
  for (;;) {
    expect(at % 4).toBe(0);
    const header = text.decode(archive.subarray(at, at + 110));
    expect(header.slice(0, 6)).toBe('070701');
    const field = (i: number): number => parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const nameSize = field(11);
    const name = text.decode(archive.subarray(at + 110, at + 110 + nameSize - 1));
    at = (at + 110 + nameSize + 3) & ~3;
    const size = field(6);
    const data = text.decode(archive.subarray(at, at + size));
    at = (at + size + 3) & ~3;
    if (name === 'TRAILER!!!') break;
    out.push({ name, mode: field(1), rdevMajor: field(9), rdevMinor: field(10), data });
  }
  expect(at).toBe(archive.length);
  return out;
}

describe('newc cpio writer', () => {
  it('writes files, directories, symlinks and device nodes the kernel can unpack', () => {
    const archive = buildNewcArchive([
      { kind: 'dir', path: '/bin', mode: 0o755 },
      { kind: 'file', path: 'bin/hello', mode: 0o755, data: new TextEncoder().encode('hi!') },
      { kind: 'symlink', path: 'bin/sh', target: 'hello' },
      { kind: 'chardev', path: 'console', mode: 0o600, major: 5, minor: 1 },
    ]);
    expect(parse(archive)).toEqual([
      { name: 'bin', mode: 0o40755, rdevMajor: 0, rdevMinor: 0, data: '' },
      { name: 'bin/hello', mode: 0o100755, rdevMajor: 0, rdevMinor: 0, data: 'hi!' },
      { name: 'bin/sh', mode: 0o120777, rdevMajor: 0, rdevMinor: 0, data: 'hello' },
      { name: 'console', mode: 0o20600, rdevMajor: 5, rdevMinor: 1, data: '' },
    ]);
  });

  it('refuses an empty path', () => {
    expect(() => buildNewcArchive([{ kind: 'dir', path: '/', mode: 0o755 }])).toThrow(/bad cpio path/);
  });

  it('builds an initramfs with an executable /init, busybox and its shell link', () => {
    const entries = parse(buildInitramfs(new TextEncoder().encode('BUSYBOX')));
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('init')?.mode).toBe(0o100755);
    expect(byName.get('init')?.data).toMatch(/^#!\/bin\/sh\n[\s\S]*mount -t devtmpfs[\s\S]*setsid cttyhack/);
    expect(byName.get('bin/busybox')?.data).toBe('BUSYBOX');
    expect(byName.get('bin/sh')?.data).toBe('busybox');
    expect(byName.get('dev/console')).toMatchObject({ rdevMajor: 5, rdevMinor: 1 });
  });

  it('gives the kernel an executable /sbin/poweroff and /sbin/reboot for shutdowns asked through xenstore', () => {
    const byName = new Map(parse(buildInitramfs(new Uint8Array(1))).map((e) => [e.name, e]));
    for (const applet of ['poweroff', 'reboot']) {
      expect(byName.get(`sbin/${applet}`)?.mode).toBe(0o100755);
      expect(byName.get(`sbin/${applet}`)?.data).toMatch(
        new RegExp(`^#!/bin/sh\n[\\s\\S]*busybox ${applet} -f\n$`),
      );
    }
  });

  it("names the host from the domain's xenstore name with a raw XS_READ on /dev/xen/xenbus", () => {
    const init =
      new Map(parse(buildInitramfs(new Uint8Array(1))).map((e) => [e.name, e])).get('init')?.data ?? '';
    expect(init).toContain('/dev/xen/xenbus');
    expect(init).toMatch(/printf "\\002(\\000){11}/);
    expect(init).toContain('name=$(xs_read name)');
  });
});
