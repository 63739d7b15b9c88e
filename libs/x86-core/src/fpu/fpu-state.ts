/**
 * Architectural FPU/SSE state in one flat little-endian region, so it can live inside the CPU state
 * buffer (pass that buffer and a 16-byte aligned offset) or stand alone (default constructor).
 *
 * Layout (byte offsets from the start of the region; FPU_STATE_BYTES long):
 *
 *   0x000  XMM0..XMM15        16 x 16 bytes, lane 0 at the lowest address
 *   0x100  XMM_TMP0, TMP1     2 x 16 bytes of scratch: memory source operands are loaded here so every
 *                             semantic function takes register indices only (16 = TMP0, 17 = TMP1)
 *   0x120  R0..R7             physical x87 registers, 16 bytes each in the m80 layout:
 *                             bytes 0-7 significand (explicit integer bit = bit 63), 8-9 sign|exponent
 *   0x1A0  FCW   u16
 *   0x1A2  FSW   u16          TOP lives in FSW[13:11] as architecturally visible
 *   0x1A4  FTW   u8           abridged tag: bit i = 1 when physical Ri is non-empty (FXSAVE format)
 *   0x1A6  FOP   u16          last non-control x87 opcode (11 bits)
 *   0x1A8  FIP   u32 lo, hi   last non-control x87 instruction pointer (64-bit)
 *   0x1B0  FDP   u32 lo, hi   last x87 memory operand address (64-bit)
 *   0x1B8  FCS   u16, FDS u16 selectors for the 32-bit FXSAVE / FNSTENV forms
 *   0x1BC  MXCSR u32
 *
 * x87 registers are stored as real 80-bit values, not as Float64: loads and stores of m80, FXCH, FLD
 * ST(i), FXSAVE/FXRSTOR and FNSAVE/FRSTOR are therefore bit-exact, and arithmetic (softfloat/fp.ts)
 * rounds exactly to the precision selected by FCW.PC.
 */

export const XMM_BASE = 0x000;
export const XMM_TMP0 = 16;
export const XMM_TMP1 = 17;
export const ST_BASE = 0x120;
export const OFF_FCW = 0x1a0;
export const OFF_FSW = 0x1a2;
export const OFF_FTW = 0x1a4;
export const OFF_FOP = 0x1a6;
export const OFF_FIP = 0x1a8;
export const OFF_FDP = 0x1b0;
export const OFF_FCS = 0x1b8;
export const OFF_FDS = 0x1ba;
export const OFF_MXCSR = 0x1bc;
export const FPU_STATE_BYTES = 0x1c0;

/** MXCSR bits. */
export const MXCSR_DAZ = 1 << 6;
export const MXCSR_MASK_SHIFT = 7;
export const MXCSR_RC_SHIFT = 13;
export const MXCSR_FZ = 1 << 15;
export const MXCSR_DEFAULT = 0x1f80;
/** Writable MXCSR bits (the MXCSR_MASK FXSAVE reports): DAZ supported. */
export const MXCSR_WRITABLE = 0xffff;

export class FpuState {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly view: DataView;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(FPU_STATE_BYTES), byteOffset = 0) {
    if (byteOffset % 16 !== 0) throw new Error('FpuState: region must be 16-byte aligned');
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('FpuState: big-endian host');
    this.u8 = new Uint8Array(buffer, byteOffset, FPU_STATE_BYTES);
    this.i8 = new Int8Array(buffer, byteOffset, FPU_STATE_BYTES);
    this.u16 = new Uint16Array(buffer, byteOffset, FPU_STATE_BYTES / 2);
    this.i16 = new Int16Array(buffer, byteOffset, FPU_STATE_BYTES / 2);
    this.u32 = new Uint32Array(buffer, byteOffset, FPU_STATE_BYTES / 4);
    this.i32 = new Int32Array(buffer, byteOffset, FPU_STATE_BYTES / 4);
    this.f32 = new Float32Array(buffer, byteOffset, FPU_STATE_BYTES / 4);
    this.f64 = new Float64Array(buffer, byteOffset, FPU_STATE_BYTES / 8);
    this.view = new DataView(buffer, byteOffset, FPU_STATE_BYTES);
    this.reset();
  }

  /** RESET/INIT state as Linux expects after FNINIT + LDMXCSR default: everything zero, all empty. */
  reset(): void {
    this.u8.fill(0);
    this.fcw = 0x037f;
    this.mxcsr = MXCSR_DEFAULT;
  }

  get mxcsr(): number {
    return this.u32[OFF_MXCSR >> 2];
  }
  set mxcsr(v: number) {
    this.u32[OFF_MXCSR >> 2] = v;
  }
  get fcw(): number {
    return this.u16[OFF_FCW >> 1];
  }
  set fcw(v: number) {
    this.u16[OFF_FCW >> 1] = v;
  }
  get fsw(): number {
    return this.u16[OFF_FSW >> 1];
  }
  set fsw(v: number) {
    this.u16[OFF_FSW >> 1] = v;
  }
  get ftw(): number {
    return this.u8[OFF_FTW];
  }
  set ftw(v: number) {
    this.u8[OFF_FTW] = v;
  }
  get fop(): number {
    return this.u16[OFF_FOP >> 1];
  }
  set fop(v: number) {
    this.u16[OFF_FOP >> 1] = v & 0x7ff;
  }

  /** Byte offset of XMM register `i` (0-15 architectural, 16-17 scratch). */
  static xmm(i: number): number {
    return XMM_BASE + i * 16;
  }

  /** Copy 16 bytes between XMM registers / scratch slots. */
  copyXmm(dst: number, src: number): void {
    const d = dst * 4;
    const s = src * 4;
    const u = this.u32;
    u[d] = u[s];
    u[d + 1] = u[s + 1];
    u[d + 2] = u[s + 2];
    u[d + 3] = u[s + 3];
  }

  /** Read XMM `i` as 16 bytes (for tests and debugging). */
  xmmBytes(i: number): Uint8Array {
    return this.u8.slice(i * 16, i * 16 + 16);
  }
}
