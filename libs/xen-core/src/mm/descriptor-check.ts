import { FLAT_KERNEL_CS } from '../public/xen';

/** First GDT entry Xen reserves (page 14 of the GDT). */
export const FIRST_RESERVED_GDT_ENTRY = 7168;

const _SEGMENT_TYPE = 0xf00;
const _SEGMENT_S = 1 << 12;
const _SEGMENT_DPL = 3 << 13;
const _SEGMENT_P = 1 << 15;

/** guest_gate_selector_okay(): a call-gate target the guest may use. */
function gateSelectorOkay(sel: number): boolean {
  return sel >> 3 < FIRST_RESERVED_GDT_ENTRY || sel === FLAT_KERNEL_CS || (sel & 4) !== 0;
}

/**
 * check_descriptor() for a 64-bit PV guest. `a`/`b` are the low/high dwords.
 * Returns the (possibly fixed-up) descriptor, or undefined if it is refused.
 */
export function checkDescriptor(a: number, b: number): { a: number; b: number } | undefined {
  if (!(b & _SEGMENT_P)) return { a, b };
  let dpl = (b >>> 13) & 3;
  if (dpl < 3) dpl = 3;
  b = ((b & ~_SEGMENT_DPL) | (dpl << 13)) >>> 0;
  if (b & _SEGMENT_S) return { a, b };
  if ((b & _SEGMENT_TYPE) === 0) return { a, b };
  if ((b & _SEGMENT_TYPE) !== 0xc00) return undefined;
  let cs = a >>> 16;
  if (!gateSelectorOkay(cs)) return undefined;
  const origDpl = (b >>> 13) & 3;
  b = (b & ~_SEGMENT_DPL) >>> 0;
  cs = (cs & ~3) | origDpl;
  a = ((a & 0xffff) | (cs << 16)) >>> 0;
  if (b & 0xff) return undefined;
  return { a, b };
}
