/**
 * The independent side of the decoder comparison: iced-x86's view of a byte string (length, mnemonic,
 * operand kinds/sizes, instruction class), and the byte strings to try (seeded random + opcode sweep).
 */
import {
  CpuidFeature,
  Decoder,
  DecoderOptions,
  EncodingKind,
  Formatter,
  FormatterSyntax,
  MemorySize,
  MemorySizeExt,
  Mnemonic,
  OpKind,
  RegisterExt,
} from 'iced-x86';
import { Rng } from '../../../../tools/x86-oracle/src/rng';

export type OperandKind = 'reg' | 'mem' | 'imm' | 'rel';

export interface RefOperand {
  kind: OperandKind;
  /** Operand size in bits (0 = no size, e.g. LEA's memory operand). */
  size: number;
  /** Alternative acceptable size (encoded vs extended immediate / branch displacement). */
  altSize?: number;
  /**
   * Sizes are compared only for general-purpose registers, memory, immediates and branches. For XMM/MMX
   * registers decodeOne reports the accessed element size (movss xmm0,xmm0 → 32) while iced reports the
   * register size, and for segment/control/debug registers the conventions differ too: kinds only.
   */
  sizeFree?: boolean;
}

export type RefClass = 'gp' | 'other' | 'vex' | 'invalid';

export interface RefInstr {
  cls: RefClass;
  length: number;
  /** iced's Mnemonic enum name, lower case. */
  mnemonic: string;
  /** iced's formatted mnemonic (pseudo-ops such as cmpordsd, xlat forms). */
  formatted: string;
  operands: RefOperand[];
  text: string;
  /** Intel and AMD decode this differently (length or validity). */
  vendorDependent: boolean;
}

/** Integer/general-purpose instruction classes the emulator must decode (when not privileged). */
const GP_FEATURES = new Set<number>([
  CpuidFeature.INTEL8086,
  CpuidFeature.INTEL186,
  CpuidFeature.INTEL286,
  CpuidFeature.INTEL386,
  CpuidFeature.INTEL486,
  CpuidFeature.X64,
  CpuidFeature.CMOV,
  CpuidFeature.CX8,
  CpuidFeature.CMPXCHG16B,
  CpuidFeature.POPCNT,
  CpuidFeature.LZCNT,
  CpuidFeature.BMI1,
  CpuidFeature.MULTIBYTENOP,
  CpuidFeature.PAUSE,
  CpuidFeature.MOVBE,
]);

let formatter: Formatter | undefined;

/** Instructions whose GP register operand carries a 16-bit selector / machine status word. */
const SELECTOR_OPERAND = new Set([
  'lar',
  'lsl',
  'sldt',
  'str',
  'lldt',
  'ltr',
  'verr',
  'verw',
  'smsw',
  'lmsw',
  'mov',
]);

function immSize(k: OpKind): [number, number] {
  switch (k) {
    case OpKind.Immediate8:
    case OpKind.Immediate8_2nd:
      return [8, 8];
    case OpKind.Immediate16:
      return [16, 16];
    case OpKind.Immediate32:
      return [32, 32];
    case OpKind.Immediate64:
      return [64, 64];
    case OpKind.Immediate8to16:
      return [8, 16];
    case OpKind.Immediate8to32:
      return [8, 32];
    case OpKind.Immediate8to64:
      return [8, 64];
    case OpKind.Immediate32to64:
      return [32, 64];
    default:
      return [0, 0];
  }
}

export class IcedReference {
  decode(bytes: Uint8Array, bitness: 32 | 64): RefInstr {
    formatter ??= new Formatter(FormatterSyntax.Intel);
    const intel = new Decoder(bitness, bytes, DecoderOptions.None);
    const amd = new Decoder(bitness, bytes, DecoderOptions.AMD);
    try {
      const ins = intel.decode();
      const alt = amd.decode();
      const vendorDependent =
        ins.isInvalid !== alt.isInvalid || ins.length !== alt.length || ins.code !== alt.code;
      alt.free();
      try {
        if (ins.isInvalid) {
          return {
            cls: 'invalid',
            length: 0,
            mnemonic: '',
            formatted: '',
            operands: [],
            text: '(invalid)',
            vendorDependent,
          };
        }
        const text = formatter.format(ins);
        const mnemonic = Mnemonic[ins.mnemonic].toLowerCase();
        const formatted = formatter.formatMnemonic(ins).split(' ').pop() ?? mnemonic;
        if (ins.encoding !== EncodingKind.Legacy) {
          return { cls: 'vex', length: ins.length, mnemonic, formatted, operands: [], text, vendorDependent };
        }
        const feats = Array.from(ins.cpuidFeatures());
        const gp = !ins.isPrivileged && feats.every((f) => GP_FEATURES.has(f));
        const operands: RefOperand[] = [];
        for (let n = 0; n < ins.opCount; n++) {
          const k = ins.opKind(n);
          if (k === OpKind.Register) {
            const r = ins.opRegister(n);
            operands.push({ kind: 'reg', size: RegisterExt.size(r) * 8, sizeFree: !RegisterExt.isGPR(r) });
          } else if (k === OpKind.NearBranch16 || k === OpKind.NearBranch32 || k === OpKind.NearBranch64) {
            // size: the branch operand size; altSize: the encoded displacement size.
            const width = k === OpKind.NearBranch16 ? 16 : k === OpKind.NearBranch32 ? 32 : 64;
            const short = ins.isJccShort || ins.isJmpShort || ins.isLoop || ins.isLoopcc || ins.isJcxShort;
            operands.push({ kind: 'rel', size: width, altSize: short ? 8 : width === 16 ? 16 : 32 });
          } else if (k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) {
            const [enc, ext] = immSize(k);
            operands.push({ kind: 'imm', size: enc, altSize: ext });
          } else if (k === OpKind.FarBranch16 || k === OpKind.FarBranch32) {
            operands.push({ kind: 'imm', size: k === OpKind.FarBranch16 ? 32 : 48 });
          } else {
            const ms = ins.memorySize;
            operands.push({ kind: 'mem', size: ms === MemorySize.Unknown ? 0 : MemorySizeExt.size(ms) * 8 });
          }
        }
        if (SELECTOR_OPERAND.has(mnemonic) || (mnemonic === 'movsxd' && operands[0]?.size === 16)) {
          // A GP register holding a selector (or MOVSXD r16): decodeOne reports the 16 bits used.
          for (const o of operands) if (o.kind === 'reg') o.altSize = mnemonic === 'movsxd' ? 32 : 16;
          for (const o of operands) if (o.kind === 'mem' && mnemonic === 'movsxd') o.altSize = 32;
        }
        return {
          cls: gp ? 'gp' : 'other',
          length: ins.length,
          mnemonic,
          formatted,
          operands,
          text,
          vendorDependent,
        };
      } finally {
        ins.free();
      }
    } finally {
      intel.free();
      amd.free();
    }
  }
}

const PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36];

/** Seeded byte strings of 16 bytes: half uniformly random, half shaped like instructions. */
export function randomStrings(seed: number, count: number, bitness: 32 | 64): Uint8Array[] {
  const rng = new Rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = rng.bytes(16);
    if (i % 2 === 1) {
      const head: number[] = [];
      for (let p = rng.below(4); p > 0; p--) head.push(rng.pick(PREFIXES));
      if (bitness === 64 && rng.chance(1, 2)) head.push(0x40 | rng.below(16));
      const map = rng.below(8);
      if (map >= 4) head.push(0x0f);
      if (map === 6) head.push(0x38);
      if (map === 7) head.push(0x3a);
      b.set(head.slice(0, 12), 0);
    }
    out.push(b);
  }
  return out;
}

/**
 * Every opcode of every map (1-byte, 0F, 0F38, 0F3A) with each ModRM.reg, register and memory forms
 * (SIB, disp8, disp32, RIP/disp32), under no prefix, 66, F3, F2 and REX.W (64-bit) / 67 (32-bit).
 */
export function opcodeSweep(bitness: 32 | 64): Uint8Array[] {
  const out: Uint8Array[] = [];
  const tail = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd];
  const prefixes: number[][] = [[], [0x66], [0xf3], [0xf2], bitness === 64 ? [0x48] : [0x67]];
  const maps: number[][] = [[], [0x0f], [0x0f, 0x38], [0x0f, 0x3a]];
  const modrms: number[] = [];
  for (let reg = 0; reg < 8; reg++) {
    modrms.push(0xc0 | (reg << 3), 0xc0 | (reg << 3) | 7); // register forms
    modrms.push((reg << 3) | 0, (reg << 3) | 4, (reg << 3) | 5, 0x40 | (reg << 3) | 1, 0x80 | (reg << 3) | 2); // memory forms
  }
  for (const pfx of prefixes) {
    for (const map of maps) {
      for (let op = 0; op < 256; op++) {
        for (const m of modrms) {
          const bytes = [...pfx, ...map, op, m, ...tail].slice(0, 16);
          out.push(Uint8Array.from(bytes));
        }
      }
    }
  }
  return out;
}
