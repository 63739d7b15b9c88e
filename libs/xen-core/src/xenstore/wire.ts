/**
 * The xenstore wire protocol (xen/include/public/io/xs_wire.h, ABI doc §10.2): message types, the
 * 16-byte header, error names and the payload string conventions.
 */

export const XS_CONTROL = 0;
export const XS_DIRECTORY = 1;
export const XS_READ = 2;
export const XS_GET_PERMS = 3;
export const XS_WATCH = 4;
export const XS_UNWATCH = 5;
export const XS_TRANSACTION_START = 6;
export const XS_TRANSACTION_END = 7;
export const XS_INTRODUCE = 8;
export const XS_RELEASE = 9;
export const XS_GET_DOMAIN_PATH = 10;
export const XS_WRITE = 11;
export const XS_MKDIR = 12;
export const XS_RM = 13;
export const XS_SET_PERMS = 14;
export const XS_WATCH_EVENT = 15;
export const XS_ERROR = 16;
export const XS_IS_DOMAIN_INTRODUCED = 17;
export const XS_RESUME = 18;
export const XS_SET_TARGET = 19;
/** 20 was XS_RESTRICT (removed). */
export const XS_RESET_WATCHES = 21;
export const XS_DIRECTORY_PART = 22;
export const XS_GET_FEATURE = 23;
export const XS_SET_FEATURE = 24;
export const XS_GET_QUOTA = 25;
export const XS_SET_QUOTA = 26;
export const XS_INVALID = 0xffff;

export const XS_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'CONTROL',
  1: 'DIRECTORY',
  2: 'READ',
  3: 'GET_PERMS',
  4: 'WATCH',
  5: 'UNWATCH',
  6: 'TRANSACTION_START',
  7: 'TRANSACTION_END',
  8: 'INTRODUCE',
  9: 'RELEASE',
  10: 'GET_DOMAIN_PATH',
  11: 'WRITE',
  12: 'MKDIR',
  13: 'RM',
  14: 'SET_PERMS',
  15: 'WATCH_EVENT',
  16: 'ERROR',
  17: 'IS_DOMAIN_INTRODUCED',
  18: 'RESUME',
  19: 'SET_TARGET',
  21: 'RESET_WATCHES',
  22: 'DIRECTORY_PART',
  23: 'GET_FEATURE',
  24: 'SET_FEATURE',
  25: 'GET_QUOTA',
  26: 'SET_QUOTA',
};

/**
 * Error names sent in XS_ERROR replies: xs_wire.h's xsd_errors, plus EQUOTA (oxenstored's quota
 * error; Linux maps unknown names to EINVAL).
 */
export const XS_ERROR_NAMES = [
  'EINVAL',
  'EACCES',
  'EEXIST',
  'EISDIR',
  'ENOENT',
  'ENOMEM',
  'ENOSPC',
  'EIO',
  'ENOTEMPTY',
  'ENOSYS',
  'EROFS',
  'EBUSY',
  'EAGAIN',
  'EISCONN',
  'E2BIG',
  'EPERM',
  'EQUOTA',
] as const;
export type XsErrorName = (typeof XS_ERROR_NAMES)[number];

export const XSD_HEADER_SIZE = 16;
export const XENSTORE_PAYLOAD_MAX = 4096;
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

/** `struct xsd_sockmsg`. */
export interface XsHeader {
  type: number;
  reqId: number;
  txId: number;
  len: number;
}

export interface XsMessage {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

export function decodeHeader(b: Uint8Array, at = 0): XsHeader {
  const dv = new DataView(b.buffer, b.byteOffset + at, XSD_HEADER_SIZE);
  return {
    type: dv.getUint32(0, true),
    reqId: dv.getUint32(4, true),
    txId: dv.getUint32(8, true),
    len: dv.getUint32(12, true),
  };
}

/** Header + payload as one byte string. */
export function encodeMessage(m: XsMessage): Uint8Array {
  const out = new Uint8Array(XSD_HEADER_SIZE + m.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, m.type >>> 0, true);
  dv.setUint32(4, m.reqId >>> 0, true);
  dv.setUint32(8, m.txId >>> 0, true);
  dv.setUint32(12, m.payload.length, true);
  out.set(m.payload, XSD_HEADER_SIZE);
  return out;
}

/** Parse one complete message at the start of `b`; undefined if `b` holds less than a message. */
export function decodeMessage(b: Uint8Array): { msg: XsMessage; size: number } | undefined {
  if (b.length < XSD_HEADER_SIZE) return undefined;
  const h = decodeHeader(b);
  if (b.length < XSD_HEADER_SIZE + h.len) return undefined;
  const payload = b.slice(XSD_HEADER_SIZE, XSD_HEADER_SIZE + h.len);
  return { msg: { type: h.type, reqId: h.reqId, txId: h.txId, payload }, size: XSD_HEADER_SIZE + h.len };
}

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** Strings each followed by NUL ("a\0b\0"). */
export function nulStrings(...parts: string[]): Uint8Array {
  return latin1(parts.map((p) => p + '\0').join(''));
}

/** `path\0value` (the value is not NUL-terminated). */
export function pathAndValue(path: string, value: Uint8Array | string): Uint8Array {
  const v = typeof value === 'string' ? latin1(value) : value;
  const p = latin1(path + '\0');
  const out = new Uint8Array(p.length + v.length);
  out.set(p);
  out.set(v, p.length);
  return out;
}

/**
 * Split a payload into its NUL-terminated strings (xs_count_strings/get_strings). A trailing part
 * without its NUL is returned in `rest`.
 */
export function splitStrings(payload: Uint8Array): { strings: string[]; rest: Uint8Array } {
  const strings: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      strings.push(Buffer.from(payload.subarray(start, i)).toString('latin1'));
      start = i + 1;
    }
  }
  return { strings, rest: payload.subarray(start) };
}

export const payloadText = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
