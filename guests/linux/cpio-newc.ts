/** Writer for the "newc" (SVR4, no CRC) cpio format the Linux kernel unpacks as an initramfs. */

export type CpioEntry =
  | { kind: 'file'; path: string; mode: number; data: Uint8Array }
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; mode: number; major: number; minor: number };

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';

/** Serialises `entries` (parents before children, paths without a leading slash) plus the trailer. */
export function buildNewcArchive(entries: CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    size += bytes.length;
    const pad = (4 - (size % 4)) % 4;
    if (pad) {
      parts.push(new Uint8Array(pad));
      size += pad;
    }
  };
  let inode = 1;
  for (const entry of [...entries, null]) {
    const name = entry ? entry.path.replace(/^\/+/, '') : TRAILER;
    if (entry && (name === '' || name.includes('\0'))) throw new Error(`bad cpio path "${entry.path}"`);
    const { mode, data, rdevMajor, rdevMinor } = describe(entry);
    const nameBytes = new TextEncoder().encode(`${name}\0`);
    const fields = [
      entry ? inode++ : 0,
      mode,
      0, // uid: root
      0, // gid
      entry?.kind === 'dir' ? 2 : 1,
      0, // mtime: fixed, so the archive is reproducible
      data.length,
      0,
      0,
      rdevMajor,
      rdevMinor,
      nameBytes.length,
      0, // check: unused by newc
    ];
    const header = '070701' + fields.map((f) => (f >>> 0).toString(16).padStart(8, '0')).join('');
    const head = new Uint8Array(header.length + nameBytes.length);
    head.set(new TextEncoder().encode(header), 0);
    head.set(nameBytes, header.length);
    push(head);
    if (data.length) push(data);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function describe(entry: CpioEntry | null): {
  mode: number;
  data: Uint8Array;
  rdevMajor: number;
  rdevMinor: number;
} {
  const none = new Uint8Array(0);
  if (!entry) return { mode: 0, data: none, rdevMajor: 0, rdevMinor: 0 };
  switch (entry.kind) {
    case 'file':
      return { mode: S_IFREG | (entry.mode & 0o7777), data: entry.data, rdevMajor: 0, rdevMinor: 0 };
    case 'dir':
      return { mode: S_IFDIR | (entry.mode & 0o7777), data: none, rdevMajor: 0, rdevMinor: 0 };
    case 'symlink':
      return {
        mode: S_IFLNK | 0o777,
        data: new TextEncoder().encode(entry.target),
        rdevMajor: 0,
        rdevMinor: 0,
      };
    case 'chardev':
      return {
        mode: S_IFCHR | (entry.mode & 0o7777),
        data: none,
        rdevMajor: entry.major,
        rdevMinor: entry.minor,
      };
  }
}
