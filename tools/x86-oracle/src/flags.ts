/** RFLAGS bits and helpers shared by the generator, the comparer and the report. */
export const CF = 0x1;
export const PF = 0x4;
export const AF = 0x10;
export const ZF = 0x40;
export const SF = 0x80;
export const TF = 0x100;
export const IF = 0x200;
export const DF = 0x400;
export const OF = 0x800;
export const NT = 0x4000;
export const ID = 0x200000;

/** The six status flags. */
export const STATUS = CF | PF | AF | ZF | SF | OF;
/** Bits that the native harness lets the input vary (status flags and DF). */
export const INPUT_VARIABLE = STATUS | DF;
/**
 * Bits compared between the CPU and the emulator (before masking undefined flags): status flags, DF,
 * IF (must stay 1 at CPL 3 even after POPF), NT, ID and the fixed bits 1 (reads 1), 3, 5 and 15 (read 0).
 * TF/RF/AC/VM/VIF/VIP are never set by the vectors.
 */
export const COMPARED = STATUS | DF | IF | NT | ID | 0x2 | 0x8 | 0x20 | 0x8000;
/** Every input RFLAGS has IF and the reserved bit 1 set. */
export const RFLAGS_FIXED = 0x202;

const NAMES: [number, string][] = [
  [CF, 'CF'],
  [0x2, 'bit1'],
  [PF, 'PF'],
  [0x8, 'bit3'],
  [AF, 'AF'],
  [0x20, 'bit5'],
  [ZF, 'ZF'],
  [SF, 'SF'],
  [TF, 'TF'],
  [IF, 'IF'],
  [DF, 'DF'],
  [OF, 'OF'],
  [NT, 'NT'],
  [0x8000, 'bit15'],
  [ID, 'ID'],
];

export function flagNames(mask: number): string {
  const out: string[] = [];
  for (const [bit, name] of NAMES) if (mask & bit) out.push(name);
  return out.join(' ') || '-';
}

/** Flags read by each condition code 0..15 (o no b ae e ne be a s ns p np l ge le g). */
export const CC_READS: readonly number[] = [
  OF,
  OF,
  CF,
  CF,
  ZF,
  ZF,
  CF | ZF,
  CF | ZF,
  SF,
  SF,
  PF,
  PF,
  SF | OF,
  SF | OF,
  ZF | SF | OF,
  ZF | SF | OF,
];
export const CC_NAMES = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
];
