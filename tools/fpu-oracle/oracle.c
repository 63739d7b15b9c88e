/*
 * Xenoserver FPU/SSE oracle: runs SSE/SSE2 and x87 instructions on the host CPU for a table of
 * inputs and prints one reference vector per line. The output is committed (gzipped) as
 * libs/x86-core/test/fpu/vectors/fpu-vectors.txt.gz so the tests run where gcc is absent.
 *
 * Build and run: tools/fpu-oracle/generate.sh   (gcc -O0 -msse2; needs an x86-64 host)
 *
 * Line formats (hex is memory byte order, i.e. little-endian, byte 0 first):
 *   S <op> <mxcsr_in> <dst16> <src16> -> <dst16'> <mxcsr_out>
 *       SSE register forms: dst = op(dst, src). For GPR sources the GPR value is the low 8 bytes of
 *       src; for GPR results (cvt*2si, movmsk*, pmovmskb) and EFLAGS results ((u)comis*, masked with
 *       0x8d5) the value is in the low 8 bytes of dst' and the rest is zero.
 *   X <op> <fcw> <a10> <b10> -> <r10> <r2_10> <fsw> <eflags>
 *       x87: after FNINIT; FLDCW fcw; FLD b; FLD a (so ST0 = a, ST1 = b), run op, FNSTSW, then store
 *       ST0 (r) and, for ops leaving two results (fxtract), ST1 (r2). For memory-form ops a/b hold the
 *       raw source bits and r the stored bits. All exceptions are masked (fcw | 0x3f). eflags is
 *       recorded for fcomi/fucomi only (0 otherwise).
 *   F <kind> <hex> : raw FXSAVE/FNSAVE images of a fixed state (see dump_images()), with the
 *       instruction and data pointer offsets (host addresses) zeroed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  uint8_t b[16];
} __attribute__((aligned(16))) v128;
typedef struct {
  uint8_t b[10];
} f80;

static const uint32_t MX_DEFAULT = 0x1f80;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void hex(const void *p, int n) {
  const uint8_t *b = p;
  for (int i = 0; i < n; i++) printf("%02x", b[i]);
}

typedef void (*sse_fn)(v128 *d, const v128 *s, uint32_t *mx);

/* dst = op(xmm0=dst, xmm1=src) */
#define SSE(NAME, TEXT)                                                                                   \
  static void s_##NAME(v128 *d, const v128 *s, uint32_t *mx) {                                           \
    __asm__ volatile("ldmxcsr %1\n\tmovdqu %0, %%xmm0\n\tmovdqu %2, %%xmm1\n\t" TEXT                    \
                     "\n\tmovdqu %%xmm0, %0\n\tstmxcsr %1\n\tldmxcsr %3"                                 \
                     : "+m"(*d), "+m"(*mx)                                                               \
                     : "m"(*s), "m"(MX_DEFAULT)                                                          \
                     : "xmm0", "xmm1", "rax", "cc");                                                     \
  }

#define R2 " %%xmm1, %%xmm0"
/* GPR result in rax, stored to the low 8 bytes of dst. */
#define GPR_OUT "\n\tmovq %%rax, %%xmm0\n\t"
#define EFL_OUT "\n\tpushfq\n\tpopq %%rax\n\tandq $0x8d5, %%rax\n\tmovq %%rax, %%xmm0\n\t"

/* ---- packed integer */
SSE(paddb, "paddb" R2) SSE(paddw, "paddw" R2) SSE(paddd, "paddd" R2) SSE(paddq, "paddq" R2)
SSE(psubb, "psubb" R2) SSE(psubw, "psubw" R2) SSE(psubd, "psubd" R2) SSE(psubq, "psubq" R2)
SSE(paddusb, "paddusb" R2) SSE(paddusw, "paddusw" R2) SSE(psubusb, "psubusb" R2) SSE(psubusw, "psubusw" R2)
SSE(paddsb, "paddsb" R2) SSE(paddsw, "paddsw" R2) SSE(psubsb, "psubsb" R2) SSE(psubsw, "psubsw" R2)
SSE(pcmpeqb, "pcmpeqb" R2) SSE(pcmpeqw, "pcmpeqw" R2) SSE(pcmpeqd, "pcmpeqd" R2)
SSE(pcmpgtb, "pcmpgtb" R2) SSE(pcmpgtw, "pcmpgtw" R2) SSE(pcmpgtd, "pcmpgtd" R2)
SSE(pminub, "pminub" R2) SSE(pmaxub, "pmaxub" R2) SSE(pminsw, "pminsw" R2) SSE(pmaxsw, "pmaxsw" R2)
SSE(pavgb, "pavgb" R2) SSE(pavgw, "pavgw" R2) SSE(psadbw, "psadbw" R2)
SSE(pmullw, "pmullw" R2) SSE(pmulhw, "pmulhw" R2) SSE(pmulhuw, "pmulhuw" R2) SSE(pmuludq, "pmuludq" R2)
SSE(pmaddwd, "pmaddwd" R2)
SSE(pand, "pand" R2) SSE(pandn, "pandn" R2) SSE(por, "por" R2) SSE(pxor, "pxor" R2)
SSE(psllw, "psllw" R2) SSE(pslld, "pslld" R2) SSE(psllq, "psllq" R2)
SSE(psrlw, "psrlw" R2) SSE(psrld, "psrld" R2) SSE(psrlq, "psrlq" R2)
SSE(psraw, "psraw" R2) SSE(psrad, "psrad" R2)
SSE(punpcklbw, "punpcklbw" R2) SSE(punpcklwd, "punpcklwd" R2) SSE(punpckldq, "punpckldq" R2)
SSE(punpcklqdq, "punpcklqdq" R2) SSE(punpckhbw, "punpckhbw" R2) SSE(punpckhwd, "punpckhwd" R2)
SSE(punpckhdq, "punpckhdq" R2) SSE(punpckhqdq, "punpckhqdq" R2)
SSE(packsswb, "packsswb" R2) SSE(packuswb, "packuswb" R2) SSE(packssdw, "packssdw" R2)
SSE(unpcklps, "unpcklps" R2) SSE(unpckhps, "unpckhps" R2) SSE(unpcklpd, "unpcklpd" R2)
SSE(unpckhpd, "unpckhpd" R2)
SSE(movhlps, "movhlps" R2) SSE(movlhps, "movlhps" R2) SSE(movss, "movss" R2) SSE(movsd, "movsd" R2)
SSE(movq, "movq" R2)
SSE(pmovmskb, "pmovmskb %%xmm1, %%eax" GPR_OUT) SSE(movmskps, "movmskps %%xmm1, %%eax" GPR_OUT)
SSE(movmskpd, "movmskpd %%xmm1, %%eax" GPR_OUT)

/* ---- immediate forms (several immediates each) */
#define IMMS(M, NAME, MN) M(NAME, MN, 0) M(NAME, MN, 1) M(NAME, MN, 7) M(NAME, MN, 8) M(NAME, MN, 15) \
  M(NAME, MN, 16) M(NAME, MN, 31) M(NAME, MN, 32) M(NAME, MN, 63) M(NAME, MN, 64) M(NAME, MN, 200)
#define SHUF(M, NAME, MN) M(NAME, MN, 0) M(NAME, MN, 27) M(NAME, MN, 78) M(NAME, MN, 228) M(NAME, MN, 255) \
  M(NAME, MN, 57) M(NAME, MN, 177) M(NAME, MN, 141) M(NAME, MN, 2) M(NAME, MN, 1)
#define IMM1(NAME, MN, I) SSE(NAME##_##I, MN " $" #I ", %%xmm0")
#define IMM2(NAME, MN, I) SSE(NAME##_##I, MN " $" #I "," R2)
IMMS(IMM1, psllwi, "psllw") IMMS(IMM1, pslldi, "pslld") IMMS(IMM1, psllqi, "psllq")
IMMS(IMM1, psrlwi, "psrlw") IMMS(IMM1, psrldi, "psrld") IMMS(IMM1, psrlqi, "psrlq")
IMMS(IMM1, psrawi, "psraw") IMMS(IMM1, psradi, "psrad") IMMS(IMM1, pslldq, "pslldq")
IMMS(IMM1, psrldq, "psrldq")
SHUF(IMM2, pshufd, "pshufd") SHUF(IMM2, pshuflw, "pshuflw") SHUF(IMM2, pshufhw, "pshufhw")
SHUF(IMM2, shufps, "shufps") SHUF(IMM2, shufpd, "shufpd")

/* ---- floating point */
#define FP4(NAME) SSE(NAME##ps, #NAME "ps" R2) SSE(NAME##ss, #NAME "ss" R2) SSE(NAME##pd, #NAME "pd" R2) \
  SSE(NAME##sd, #NAME "sd" R2)
FP4(add) FP4(sub) FP4(mul) FP4(div) FP4(min) FP4(max) FP4(sqrt)
#define CMPS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define CMPI(I) SSE(cmpps_##I, "cmpps $" #I "," R2) SSE(cmpss_##I, "cmpss $" #I "," R2) \
  SSE(cmppd_##I, "cmppd $" #I "," R2) SSE(cmpsd_##I, "cmpsd $" #I "," R2)
CMPS(CMPI)
SSE(comiss, "comiss" R2 EFL_OUT) SSE(ucomiss, "ucomiss" R2 EFL_OUT)
SSE(comisd, "comisd" R2 EFL_OUT) SSE(ucomisd, "ucomisd" R2 EFL_OUT)
SSE(cvtss2sd, "cvtss2sd" R2) SSE(cvtsd2ss, "cvtsd2ss" R2) SSE(cvtps2pd, "cvtps2pd" R2)
SSE(cvtpd2ps, "cvtpd2ps" R2) SSE(cvtdq2ps, "cvtdq2ps" R2) SSE(cvtdq2pd, "cvtdq2pd" R2)
SSE(cvtps2dq, "cvtps2dq" R2) SSE(cvttps2dq, "cvttps2dq" R2) SSE(cvtpd2dq, "cvtpd2dq" R2)
SSE(cvttpd2dq, "cvttpd2dq" R2)
SSE(cvtss2si32, "cvtss2si %%xmm1, %%eax" GPR_OUT) SSE(cvtss2si64, "cvtss2si %%xmm1, %%rax" GPR_OUT)
SSE(cvttss2si32, "cvttss2si %%xmm1, %%eax" GPR_OUT) SSE(cvttss2si64, "cvttss2si %%xmm1, %%rax" GPR_OUT)
SSE(cvtsd2si32, "cvtsd2si %%xmm1, %%eax" GPR_OUT) SSE(cvtsd2si64, "cvtsd2si %%xmm1, %%rax" GPR_OUT)
SSE(cvttsd2si32, "cvttsd2si %%xmm1, %%eax" GPR_OUT) SSE(cvttsd2si64, "cvttsd2si %%xmm1, %%rax" GPR_OUT)
SSE(cvtsi2ss32, "movq %%xmm1, %%rax\n\tcvtsi2ssl %%eax, %%xmm0")
SSE(cvtsi2ss64, "movq %%xmm1, %%rax\n\tcvtsi2ssq %%rax, %%xmm0")
SSE(cvtsi2sd32, "movq %%xmm1, %%rax\n\tcvtsi2sdl %%eax, %%xmm0")
SSE(cvtsi2sd64, "movq %%xmm1, %%rax\n\tcvtsi2sdq %%rax, %%xmm0")

/* ------------------------------------------------------------------ value pools */

static const uint32_t F32_SPECIAL[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40400000, 0x3dcccccd, 0xc0200000,
    0x00800000, 0x80800000, 0x00000001, 0x807fffff, 0x00400000, 0x7f7fffff, 0xff7fffff, 0x7f800000,
    0xff800000, 0x7fc00000, 0xffc12345, 0x7f800001, 0xffa00000, 0x3f800001, 0x33800000, 0x4b000000,
    0x4f000000, 0xcf000000, 0x5f000000, 0xdf000000, 0x0c000000, 0x7e800000, 0x3eaaaaab, 0x00ffffff,
    0x4effffff, 0xcf000001, 0x3f000000, 0x3fc00001, 0x00800001, 0x1f800000, 0x20000001, 0x7f000000};
#define NF32S (int)(sizeof F32_SPECIAL / sizeof F32_SPECIAL[0])

static const uint64_t F64_SPECIAL[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
    0x3ff8000000000000ull, 0x4008000000000000ull, 0x3fb999999999999aull, 0xc004000000000000ull,
    0x0010000000000000ull, 0x8010000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull,
    0x0008000000000000ull, 0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8123456789abcull, 0x7ff0000000000001ull,
    0xfff4000000000000ull, 0x3ff0000000000001ull, 0x3ca0000000000000ull, 0x4330000000000000ull,
    0x41e0000000000000ull, 0xc1e0000000000000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
    0x0030000000000000ull, 0x7fd0000000000000ull, 0x3fd5555555555555ull, 0x001fffffffffffffull,
    0x41dfffffffc00000ull, 0xc1e0000000200000ull, 0x3fe0000000000000ull, 0x3ff8000000000001ull,
    0x47efffffe0000000ull, 0x36a0000000000000ull, 0x380fffffe0000000ull, 0x3810000000000000ull,
    0x43dfffffffffffffull, 0xc3e0000000000001ull, 0x7fe0000000000000ull, 0x0010000000000001ull};
#define NF64S (int)(sizeof F64_SPECIAL / sizeof F64_SPECIAL[0])

static uint32_t f32_random(void) {
  uint64_t r = rnd();
  uint32_t e = (uint32_t)(r >> 40) % 60; /* cluster exponents to hit interesting ranges */
  uint32_t ex = (r >> 50) & 1 ? 127 - 30 + e : (r >> 51) & 1 ? e : 254 - e;
  return (uint32_t)((r & 0x80000000u) | (ex << 23) | (r & 0x7fffff));
}
static uint64_t f64_random(void) {
  uint64_t r = rnd();
  uint64_t e = (r >> 52) % 70;
  uint64_t ex = (r >> 60) & 1 ? 1023 - 35 + e : (r >> 61) & 1 ? e : 2046 - e;
  return (r & 0x8000000000000000ull) | (ex << 52) | (rnd() & 0xfffffffffffffull);
}

static uint32_t f32_pick(int i) { return i < NF32S ? F32_SPECIAL[i] : f32_random(); }
static uint64_t f64_pick(int i) { return i < NF64S ? F64_SPECIAL[i] : f64_random(); }

static void emit_sse(const char *name, sse_fn fn, uint32_t mx, const v128 *d, const v128 *s) {
  v128 r = *d;
  uint32_t m = mx;
  fn(&r, s, &m);
  printf("S %s %08x ", name, mx);
  hex(d, 16);
  putchar(' ');
  hex(s, 16);
  printf(" -> ");
  hex(&r, 16);
  printf(" %08x\n", m);
}

static void rand128(v128 *v) {
  uint64_t a = rnd(), b = rnd();
  /* bias towards boundary bytes/words for saturation tests */
  if ((a & 7) == 0) a |= 0x8080808080808080ull;
  if ((b & 7) == 1) b &= 0x7f7f7f7f7f7f7f7full;
  memcpy(v->b, &a, 8);
  memcpy(v->b + 8, &b, 8);
}

/* Integer/shuffle ops: n random pairs, plus a few crafted ones. */
static void run_int(const char *name, sse_fn fn, int n) {
  static const uint8_t crafted[][16] = {
      {0}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x80, 0, 0, 0x80, 0, 0x80, 0, 0x80, 0x7f, 0xff, 0xff, 0x7f, 0xff, 0x7f, 0xff, 0x7f},
      {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {63, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
      {64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}};
  int nc = (int)(sizeof crafted / sizeof crafted[0]);
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < nc; j++) {
      v128 d, s;
      memcpy(d.b, crafted[i], 16);
      memcpy(s.b, crafted[j], 16);
      if ((i + j) % 3 == 0) emit_sse(name, fn, MX_DEFAULT, &d, &s);
    }
  for (int k = 0; k < n; k++) {
    v128 d, s;
    rand128(&d);
    rand128(&s);
    emit_sse(name, fn, MX_DEFAULT, &d, &s);
  }
}

static const uint32_t MODES[] = {0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9f80, 0x1fc0, 0x9fc0, 0xff80};
#define NMODES (int)(sizeof MODES / sizeof MODES[0])

/*
 * FP ops. Binary: every pair of the first `pool` values (specials first, then random) in
 * round-to-nearest, and `sample` random pairs in each other MXCSR mode. Unary (pool < 0): the first
 * -pool values as the source operand.
 */
static void run_fp(const char *name, sse_fn fn, int dbl, int scalar, int pool, int sample) {
  int lanes = scalar ? 1 : dbl ? 2 : 4;
  int unary = pool < 0;
  if (unary) pool = -pool;
  for (int m = 0; m < NMODES; m++) {
    int pairs = m == 0 ? (unary ? pool : pool * pool) : sample;
    for (int p = 0; p < pairs; p += lanes) {
      v128 d, s;
      rand128(&d);
      rand128(&s);
      for (int l = 0; l < lanes; l++) {
        int idx = p + l;
        int ia, ib;
        if (m == 0 && unary) {
          ia = (int)(rnd() % (uint64_t)pool);
          ib = idx % pool;
        } else if (m == 0) {
          ia = (idx / pool) % pool;
          ib = idx % pool;
        } else {
          ia = (int)(rnd() % (uint64_t)pool);
          ib = (int)(rnd() % (uint64_t)pool);
        }
        if (dbl) {
          uint64_t a = f64_pick(ia), b = f64_pick(ib);
          memcpy(d.b + 8 * l, &a, 8);
          memcpy(s.b + 8 * l, &b, 8);
        } else {
          uint32_t a = f32_pick(ia), b = f32_pick(ib);
          memcpy(d.b + 4 * l, &a, 4);
          memcpy(s.b + 4 * l, &b, 4);
        }
      }
      emit_sse(name, fn, MODES[m], &d, &s);
    }
  }
}

/* Conversions from integers: GPR value in the low 8 bytes of src. */
static void run_from_int(const char *name, sse_fn fn) {
  static const uint64_t ints[] = {0,          1,          0xffffffffffffffffull, 0x7fffffff, 0x80000000,
                                  0xffffffff80000000ull,  0x7fffffffffffffffull, 0x8000000000000000ull,
                                  0x1000001,  0x1000003,  0x20000000000001ull,   0x20000000000003ull,
                                  0xfffffffffefffffdull,  123456789,             0xffffffffffffff85ull};
  for (int m = 0; m < NMODES; m++)
    for (int k = 0; k < 15 + 10; k++) {
      v128 d, s;
      rand128(&d);
      rand128(&s);
      if (k < 15) memcpy(s.b, &ints[k], 8);
      emit_sse(name, fn, MODES[m], &d, &s);
    }
}

/* ------------------------------------------------------------------ x87 */

typedef uint16_t (*x87_fn)(uint16_t cw, const f80 *a, const f80 *b, f80 *r, f80 *r2, uint32_t *efl);

#define X87(NAME, BYTES)                                                                                  \
  static uint16_t x_##NAME(uint16_t cw, const f80 *a, const f80 *b, f80 *r, f80 *r2, uint32_t *efl) {     \
    uint16_t sw;                                                                                          \
    uint64_t fl;                                                                                          \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" BYTES                          \
                     "\n\tfnstsw %[sw]\n\tpushfq\n\tpopq %[fl]\n\tfstpt %[r]\n\tfstpt %[r2]\n\tfninit"     \
                     : [sw] "=m"(sw), [r] "=m"(*r), [r2] "=m"(*r2), [fl] "=r"(fl)                          \
                     : [cw] "m"(cw), [a] "m"(*a), [b] "m"(*b)                                              \
                     : "cc");                                                                             \
    *efl = (uint32_t)fl & 0x8d5;                                                                          \
    return sw;                                                                                            \
  }

X87(fadd, ".byte 0xd8, 0xc1") X87(fmul, ".byte 0xd8, 0xc9") X87(fsub, ".byte 0xd8, 0xe1")
X87(fsubr, ".byte 0xd8, 0xe9") X87(fdiv, ".byte 0xd8, 0xf1") X87(fdivr, ".byte 0xd8, 0xf9")
X87(fsqrt, ".byte 0xd9, 0xfa") X87(frndint, ".byte 0xd9, 0xfc") X87(fscale, ".byte 0xd9, 0xfd")
X87(fprem, ".byte 0xd9, 0xf8") X87(fprem1, ".byte 0xd9, 0xf5") X87(fchs, ".byte 0xd9, 0xe0")
X87(fabs, ".byte 0xd9, 0xe1") X87(fcom, ".byte 0xd8, 0xd1") X87(fucom, ".byte 0xdd, 0xe1")
X87(fcomi, ".byte 0xdb, 0xf1") X87(fucomi, ".byte 0xdb, 0xe9") X87(ftst, ".byte 0xd9, 0xe4")
X87(fxam, ".byte 0xd9, 0xe5") X87(fxch, ".byte 0xd9, 0xc9")
/* fxtract pushes: ST0 = significand, ST1 = exponent; the original b is then ST2 (discarded). */
X87(fxtract, ".byte 0xd9, 0xf4")
/* constants: pushed on top of a and b */
X87(fld1, ".byte 0xd9, 0xe8") X87(fldl2t, ".byte 0xd9, 0xe9") X87(fldl2e, ".byte 0xd9, 0xea")
X87(fldpi, ".byte 0xd9, 0xeb") X87(fldlg2, ".byte 0xd9, 0xec") X87(fldln2, ".byte 0xd9, 0xed")
X87(fldz, ".byte 0xd9, 0xee")

/* Stores of ST0 = a to memory: r receives the stored bits. */
#define X87ST(NAME, INSN, T)                                                                              \
  static uint16_t x_##NAME(uint16_t cw, const f80 *a, const f80 *b, f80 *r, f80 *r2, uint32_t *efl) {     \
    uint16_t sw;                                                                                          \
    T v = 0;                                                                                              \
    (void)b;                                                                                              \
    (void)r2;                                                                                             \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" INSN " %[v]\n\tfnstsw %[sw]\n\tfninit"      \
                     : [sw] "=m"(sw), [v] "+m"(v)                                                         \
                     : [cw] "m"(cw), [a] "m"(*a));                                                         \
    memset(r, 0, sizeof *r);                                                                              \
    memcpy(r, &v, sizeof v);                                                                              \
    *efl = 0;                                                                                             \
    return sw;                                                                                            \
  }
X87ST(fst32, "fsts", uint32_t) X87ST(fst64, "fstl", uint64_t) X87ST(fist16, "fists", uint16_t)
X87ST(fist32, "fistl", uint32_t) X87ST(fistp64, "fistpll", uint64_t) X87ST(fisttp16, "fisttps", uint16_t)
X87ST(fisttp32, "fisttpl", uint32_t) X87ST(fisttp64, "fisttpll", uint64_t)

/* Loads from memory: a holds the raw m32/m64 bits; r = the loaded 80-bit value. */
#define X87LD(NAME, INSN, T)                                                                              \
  static uint16_t x_##NAME(uint16_t cw, const f80 *a, const f80 *b, f80 *r, f80 *r2, uint32_t *efl) {     \
    uint16_t sw;                                                                                          \
    T v;                                                                                                  \
    (void)b;                                                                                              \
    (void)r2;                                                                                             \
    memcpy(&v, a, sizeof v);                                                                              \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\t" INSN " %[v]\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfninit"     \
                     : [sw] "=m"(sw), [r] "=m"(*r)                                                        \
                     : [cw] "m"(cw), [v] "m"(v));                                                          \
    *efl = 0;                                                                                             \
    return sw;                                                                                            \
  }
X87LD(fld32, "flds", uint32_t) X87LD(fld64, "fldl", uint64_t) X87LD(fild16, "filds", uint16_t)
X87LD(fild32, "fildl", uint32_t) X87LD(fild64, "fildll", uint64_t) X87LD(fbld, "fbld", f80)

/* FBSTP m80bcd of ST0 = a: r receives the 10 stored bytes. */
static uint16_t x_fbstp(uint16_t cw, const f80 *a, const f80 *b, f80 *r, f80 *r2, uint32_t *efl) {
  uint16_t sw;
  f80 v = {{0}};
  (void)b;
  (void)r2;
  __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfbstp %[v]\n\tfnstsw %[sw]\n\tfninit"
                   : [sw] "=m"(sw), [v] "+m"(v)
                   : [cw] "m"(cw), [a] "m"(*a));
  *r = v;
  *efl = 0;
  return sw;
}

static f80 mk80(uint16_t se, uint64_t m) {
  f80 v;
  memcpy(v.b, &m, 8);
  memcpy(v.b + 8, &se, 2);
  return v;
}

static const struct {
  uint16_t se;
  uint64_t m;
} X80_SPECIAL[] = {
    {0x0000, 0}, {0x8000, 0}, {0x3fff, 0x8000000000000000ull}, {0xbfff, 0x8000000000000000ull},
    {0x3fff, 0xc000000000000000ull}, {0x4000, 0xc90fdaa22168c235ull}, {0x7ffe, 0xffffffffffffffffull},
    {0xfffe, 0xffffffffffffffffull}, {0x0001, 0x8000000000000000ull}, {0x0000, 0x4000000000000000ull},
    {0x8000, 0x0000000000000001ull}, {0x7fff, 0x8000000000000000ull}, {0xffff, 0x8000000000000000ull},
    {0x7fff, 0xc000000000000000ull}, {0xffff, 0xc000000012345678ull}, {0x7fff, 0xa000000000000000ull},
    {0xffff, 0x8000000000000001ull}, {0x4000, 0x4000000000000000ull}, {0x7fff, 0x0000000000000000ull},
    {0x3fff, 0x8000000000000001ull}, {0x403e, 0xffffffffffffffffull}, {0x401d, 0x8000000000000000ull},
    {0xc01d, 0x8000000000000001ull}, {0x3ffe, 0x8000000000000000ull}, {0xbffe, 0xc000000000000000ull},
    {0x4063, 0x8000000000000000ull}, {0x3f80, 0xaaaaaaaaaaaaaaabull}, {0x43fe, 0xfffffffffffff800ull},
    {0x3c01, 0x8000000000000000ull}, {0x407f, 0xffffff0000000000ull}, {0x3f81, 0x8000000000000000ull},
    {0x4005, 0xa000000000000000ull}, {0xc00e, 0x8000000000000000ull}, {0x0000, 0x8000000000000000ull}};
#define NX80S (int)(sizeof X80_SPECIAL / sizeof X80_SPECIAL[0])

static f80 x80_pick(int i) {
  if (i < NX80S) return mk80(X80_SPECIAL[i].se, X80_SPECIAL[i].m);
  uint64_t r = rnd();
  uint16_t e = (uint16_t)(r % 3 == 0 ? 0x3fff - 40 + (r >> 8) % 80 : r % 3 == 1 ? (r >> 8) % 70 + 1 : 0x7ffe - (r >> 8) % 70);
  if ((r >> 20) % 5 == 0) e = (uint16_t)(0x3fff + (r >> 24) % 64); /* integer-ish range for fist/fprem */
  return mk80((uint16_t)(e | ((r >> 40) & 1 ? 0x8000 : 0)), rnd() | 0x8000000000000000ull);
}

static const uint16_t CWS[] = {0x037f, 0x027f, 0x007f, 0x077f, 0x0b7f, 0x0f7f};
#define NCWS (int)(sizeof CWS / sizeof CWS[0])

static void emit_x87(const char *name, x87_fn fn, uint16_t cw, const f80 *a, const f80 *b) {
  f80 r = {{0}}, r2 = {{0}};
  uint32_t efl = 0;
  uint16_t sw = fn(cw, a, b, &r, &r2, &efl);
  if (!strstr(name, "comi")) efl = 0; /* only FCOMI/FUCOMI define EFLAGS */
  printf("X %s %04x ", name, cw);
  hex(a, 10);
  putchar(' ');
  hex(b, 10);
  printf(" -> ");
  hex(&r, 10);
  putchar(' ');
  hex(&r2, 10);
  printf(" %04x %04x\n", sw, efl);
}

static void run_x87(const char *name, x87_fn fn, int binary, int pool, int nrandom) {
  for (int c = 0; c < NCWS; c++) {
    int n = c == 0 ? (binary ? pool * pool : pool) + nrandom : nrandom / 2 + 8;
    for (int k = 0; k < n; k++) {
      f80 a, b;
      if (c == 0 && k < (binary ? pool * pool : pool)) {
        a = x80_pick(binary ? k / pool : k);
        b = x80_pick(binary ? k % pool : (k * 7) % pool);
      } else {
        a = x80_pick((int)(rnd() % (uint64_t)(pool + 8)));
        b = x80_pick((int)(rnd() % (uint64_t)(pool + 8)));
      }
      emit_x87(name, fn, CWS[c], &a, &b);
    }
  }
}

/* 18 random decimal digits (the first `digits` of them non-zero-able), packed BCD with a sign byte. */
static f80 bcd_pick(int digits, int negative) {
  f80 v = {{0}};
  for (int d = 0; d < digits; d++) {
    uint8_t nib = (uint8_t)(rnd() % 10);
    v.b[d / 2] |= (uint8_t)(d % 2 ? nib << 4 : nib);
  }
  v.b[9] = negative ? 0x80 : 0;
  return v;
}

/* FBLD over valid packed BCD (invalid digits give undefined results): zeros, all-nines, each length. */
static void run_x87_bcd_load(void) {
  for (int k = 0; k < 160; k++) {
    f80 a = bcd_pick(k < 4 ? 0 : 1 + (k % 18), k % 2), b = {{0}};
    if (k >= 4 && k < 8) memset(a.b, 0x99, 9);
    emit_x87("fbld", x_fbld, CWS[k % NCWS], &a, &b);
  }
}

/* FBSTP over integers and fractions near and beyond the 18-digit range, plus the x80 edge pool. */
static void run_x87_bcd_store(void) {
  static const long double EDGES[] = {0.0L, -0.0L, 0.5L, -0.5L, 1.5L, -2.5L, 0.3L, -0.3L,
                                      999999999999999999.0L, -999999999999999999.0L,
                                      999999999999999999.4L, 999999999999999999.5L,
                                      1e18L, -1e18L, 1e19L, 123456789012345678.0L};
  for (int k = 0; k < (int)(sizeof EDGES / sizeof EDGES[0]); k++)
    for (int c = 0; c < NCWS; c++) {
      f80 a = {{0}}, b = {{0}};
      memcpy(a.b, &EDGES[k], 10);
      emit_x87("fbstp", x_fbstp, CWS[c], &a, &b);
    }
  for (int k = 0; k < 240; k++) {
    f80 a = {{0}}, b = {{0}};
    if (k < NX80S) {
      a = x80_pick(k);
    } else {
      long double x = (long double)(int64_t)(rnd() % 2000000000000000000ull) - 1e18L;
      x /= (long double)(1ull << (rnd() % 40));
      memcpy(a.b, &x, 10);
    }
    emit_x87("fbstp", x_fbstp, CWS[k % NCWS], &a, &b);
  }
}

static void run_x87_load(const char *name, x87_fn fn, int bytes) {
  for (int k = 0; k < 120; k++) {
    f80 a = {{0}}, b = {{0}};
    uint64_t v = bytes == 4 ? f32_pick(k % (NF32S + 20)) : bytes == 8 ? f64_pick(k % (NF64S + 20)) : rnd();
    if (bytes == 2 && k < 4) v = (uint64_t[]){0, 0x8000, 0x7fff, 0xffff}[k];
    if (bytes == 9 && k < 4) v = (uint64_t[]){0, 0x8000000000000000ull, 0x7fffffffffffffffull, 1}[k];
    memcpy(a.b, &v, 8);
    emit_x87(name, fn, CWS[k % NCWS], &a, &b);
  }
}

/* ------------------------------------------------------------------ FXSAVE / FNSAVE images */

static uint8_t img[512] __attribute__((aligned(16)));

static void dump_images(void) {
  static v128 xmm[16] __attribute__((aligned(16)));
  for (int i = 0; i < 16; i++)
    for (int k = 0; k < 16; k++) xmm[i].b[k] = (uint8_t)(i * 16 + k);
  f80 v1 = mk80(0x3fff, 0x8000000000000000ull), v2 = mk80(0xc000, 0xc90fdaa22168c235ull), v3 = mk80(0, 0);
  uint32_t mx = 0x1fa5; /* some sticky flags + default masks */
  uint16_t cw = 0x027b;
  const char *kinds[] = {"fxsave64", "fxsave", "fnsave", "fnstenv"};
  for (int kind = 0; kind < 4; kind++) {
    memset(img, 0xaa, sizeof img);
    __asm__ volatile(
        "movdqa 0(%[x]), %%xmm0\n\tmovdqa 16(%[x]), %%xmm1\n\tmovdqa 32(%[x]), %%xmm2\n\t"
        "movdqa 48(%[x]), %%xmm3\n\tmovdqa 64(%[x]), %%xmm4\n\tmovdqa 80(%[x]), %%xmm5\n\t"
        "movdqa 96(%[x]), %%xmm6\n\tmovdqa 112(%[x]), %%xmm7\n\tmovdqa 128(%[x]), %%xmm8\n\t"
        "movdqa 144(%[x]), %%xmm9\n\tmovdqa 160(%[x]), %%xmm10\n\tmovdqa 176(%[x]), %%xmm11\n\t"
        "movdqa 192(%[x]), %%xmm12\n\tmovdqa 208(%[x]), %%xmm13\n\tmovdqa 224(%[x]), %%xmm14\n\t"
        "movdqa 240(%[x]), %%xmm15\n\t"
        "fninit\n\tfldcw %[cw]\n\tfldt %[v1]\n\tfldt %[v2]\n\tfldt %[v3]\n\tfld1\n\tfdiv %%st(0), %%st(2)\n\t"
        "ffree %%st(3)\n\tldmxcsr %[mx]\n\t"
        "cmpl $0, %[k]\n\tjne 1f\n\tfxsave64 (%[img])\n\tjmp 9f\n"
        "1:\n\tcmpl $1, %[k]\n\tjne 2f\n\tfxsave (%[img])\n\tjmp 9f\n"
        "2:\n\tcmpl $2, %[k]\n\tjne 3f\n\tfnsave (%[img])\n\tjmp 9f\n"
        "3:\n\tfnstenv (%[img])\n"
        "9:\n\tfninit\n\tldmxcsr %[mxd]\n\t"
        :
        : [x] "r"(xmm), [img] "r"(img), [cw] "m"(cw), [v1] "m"(v1), [v2] "m"(v2), [v3] "m"(v3), [mx] "m"(mx),
          [k] "r"(kind), [mxd] "m"(MX_DEFAULT)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
          "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    /* FIP/FDP are host addresses (ASLR): blank them so the output is reproducible. */
    if (kind >= 2) memset(img + 12, 0, 4), memset(img + 20, 0, 4);
    else memset(img + 8, 0, 16);
    printf("F %s ", kinds[kind]);
    hex(img, 512);
    putchar('\n');
  }
}

#define INT(N, C) run_int(#N, s_##N, C);
#define FPALL(N, POOL) run_fp(#N "ps", s_##N##ps, 0, 0, POOL, 96); run_fp(#N "ss", s_##N##ss, 0, 1, 12, 16); \
  run_fp(#N "pd", s_##N##pd, 1, 0, POOL, 96); run_fp(#N "sd", s_##N##sd, 1, 1, 12, 16);
#define IMMRUN(NAME, MN, I) run_int(#NAME "_" #I, s_##NAME##_##I, 6);

int main(void) {
  INT(paddb, 40) INT(paddw, 40) INT(paddd, 40) INT(paddq, 40) INT(psubb, 40) INT(psubw, 40) INT(psubd, 40)
  INT(psubq, 40) INT(paddusb, 40) INT(paddusw, 40) INT(psubusb, 40) INT(psubusw, 40) INT(paddsb, 40)
  INT(paddsw, 40) INT(psubsb, 40) INT(psubsw, 40) INT(pcmpeqb, 40) INT(pcmpeqw, 40) INT(pcmpeqd, 40)
  INT(pcmpgtb, 40) INT(pcmpgtw, 40) INT(pcmpgtd, 40) INT(pminub, 40) INT(pmaxub, 40) INT(pminsw, 40)
  INT(pmaxsw, 40) INT(pavgb, 40) INT(pavgw, 40) INT(psadbw, 40) INT(pmullw, 40) INT(pmulhw, 40)
  INT(pmulhuw, 40) INT(pmuludq, 40) INT(pmaddwd, 40) INT(pand, 20) INT(pandn, 20) INT(por, 20) INT(pxor, 20)
  INT(psllw, 20) INT(pslld, 20) INT(psllq, 20) INT(psrlw, 20) INT(psrld, 20) INT(psrlq, 20) INT(psraw, 20)
  INT(psrad, 20) INT(punpcklbw, 10) INT(punpcklwd, 10) INT(punpckldq, 10) INT(punpcklqdq, 10)
  INT(punpckhbw, 10) INT(punpckhwd, 10) INT(punpckhdq, 10) INT(punpckhqdq, 10) INT(packsswb, 40)
  INT(packuswb, 40) INT(packssdw, 40) INT(unpcklps, 10) INT(unpckhps, 10) INT(unpcklpd, 10)
  INT(unpckhpd, 10) INT(movhlps, 10) INT(movlhps, 10) INT(movss, 10) INT(movsd, 10) INT(movq, 10)
  INT(pmovmskb, 20) INT(movmskps, 20) INT(movmskpd, 20)
  IMMS(IMMRUN, psllwi, 0) IMMS(IMMRUN, pslldi, 0) IMMS(IMMRUN, psllqi, 0) IMMS(IMMRUN, psrlwi, 0)
  IMMS(IMMRUN, psrldi, 0) IMMS(IMMRUN, psrlqi, 0) IMMS(IMMRUN, psrawi, 0) IMMS(IMMRUN, psradi, 0)
  IMMS(IMMRUN, pslldq, 0) IMMS(IMMRUN, psrldq, 0) SHUF(IMMRUN, pshufd, 0) SHUF(IMMRUN, pshuflw, 0)
  SHUF(IMMRUN, pshufhw, 0) SHUF(IMMRUN, shufps, 0) SHUF(IMMRUN, shufpd, 0)

  FPALL(add, 40) FPALL(sub, 24) FPALL(mul, 40) FPALL(div, 40) FPALL(min, 24) FPALL(max, 24) FPALL(sqrt, -88)
#define CMPRUN(I) run_fp("cmpps_" #I, s_cmpps_##I, 0, 0, 16, 32); run_fp("cmpss_" #I, s_cmpss_##I, 0, 1, 8, 8); \
  run_fp("cmppd_" #I, s_cmppd_##I, 1, 0, 16, 32); run_fp("cmpsd_" #I, s_cmpsd_##I, 1, 1, 8, 8);
  CMPS(CMPRUN)
  run_fp("comiss", s_comiss, 0, 1, 24, 24); run_fp("ucomiss", s_ucomiss, 0, 1, 24, 24);
  run_fp("comisd", s_comisd, 1, 1, 24, 24); run_fp("ucomisd", s_ucomisd, 1, 1, 24, 24);
  run_fp("cvtss2sd", s_cvtss2sd, 0, 1, -80, 24); run_fp("cvtsd2ss", s_cvtsd2ss, 1, 1, -88, 48);
  run_fp("cvtps2pd", s_cvtps2pd, 0, 0, -80, 24); run_fp("cvtpd2ps", s_cvtpd2ps, 1, 0, -88, 48);
  run_fp("cvtdq2ps", s_cvtdq2ps, 0, 0, -80, 48); run_int("cvtdq2ps", s_cvtdq2ps, 40);
  run_int("cvtdq2pd", s_cvtdq2pd, 40);
  run_fp("cvtps2dq", s_cvtps2dq, 0, 0, -80, 48); run_fp("cvttps2dq", s_cvttps2dq, 0, 0, -80, 24);
  run_fp("cvtpd2dq", s_cvtpd2dq, 1, 0, -88, 48); run_fp("cvttpd2dq", s_cvttpd2dq, 1, 0, -88, 24);
  run_fp("cvtss2si32", s_cvtss2si32, 0, 1, -80, 24); run_fp("cvtss2si64", s_cvtss2si64, 0, 1, -80, 24);
  run_fp("cvttss2si32", s_cvttss2si32, 0, 1, -80, 12); run_fp("cvttss2si64", s_cvttss2si64, 0, 1, -80, 12);
  run_fp("cvtsd2si32", s_cvtsd2si32, 1, 1, -88, 24); run_fp("cvtsd2si64", s_cvtsd2si64, 1, 1, -88, 24);
  run_fp("cvttsd2si32", s_cvttsd2si32, 1, 1, -88, 12); run_fp("cvttsd2si64", s_cvttsd2si64, 1, 1, -88, 12);
  run_from_int("cvtsi2ss32", s_cvtsi2ss32); run_from_int("cvtsi2ss64", s_cvtsi2ss64);
  run_from_int("cvtsi2sd32", s_cvtsi2sd32); run_from_int("cvtsi2sd64", s_cvtsi2sd64);

  run_x87("fadd", x_fadd, 1, 34, 200); run_x87("fsub", x_fsub, 1, 24, 200); run_x87("fsubr", x_fsubr, 1, 16, 60);
  run_x87("fmul", x_fmul, 1, 34, 200); run_x87("fdiv", x_fdiv, 1, 34, 200); run_x87("fdivr", x_fdivr, 1, 16, 60);
  run_x87("fsqrt", x_fsqrt, 0, 34, 120); run_x87("frndint", x_frndint, 0, 34, 120);
  run_x87("fscale", x_fscale, 1, 24, 120); run_x87("fprem", x_fprem, 1, 24, 200);
  run_x87("fprem1", x_fprem1, 1, 24, 200); run_x87("fchs", x_fchs, 0, 34, 4); run_x87("fabs", x_fabs, 0, 34, 4);
  run_x87("fcom", x_fcom, 1, 24, 40); run_x87("fucom", x_fucom, 1, 24, 40); run_x87("fcomi", x_fcomi, 1, 24, 40);
  run_x87("fucomi", x_fucomi, 1, 24, 40); run_x87("ftst", x_ftst, 0, 34, 10); run_x87("fxam", x_fxam, 0, 34, 10);
  run_x87("fxch", x_fxch, 1, 6, 10); run_x87("fxtract", x_fxtract, 0, 34, 60);
  run_x87("fld1", x_fld1, 0, 1, 12); run_x87("fldl2t", x_fldl2t, 0, 1, 12); run_x87("fldl2e", x_fldl2e, 0, 1, 12);
  run_x87("fldpi", x_fldpi, 0, 1, 12); run_x87("fldlg2", x_fldlg2, 0, 1, 12); run_x87("fldln2", x_fldln2, 0, 1, 12);
  run_x87("fldz", x_fldz, 0, 1, 12);
  run_x87("fst32", x_fst32, 0, 34, 200); run_x87("fst64", x_fst64, 0, 34, 200); run_x87("fist16", x_fist16, 0, 34, 200);
  run_x87("fist32", x_fist32, 0, 34, 200); run_x87("fistp64", x_fistp64, 0, 34, 200);
  run_x87("fisttp16", x_fisttp16, 0, 34, 100); run_x87("fisttp32", x_fisttp32, 0, 34, 100);
  run_x87("fisttp64", x_fisttp64, 0, 34, 100);
  run_x87_load("fld32", x_fld32, 4); run_x87_load("fld64", x_fld64, 8); run_x87_load("fild16", x_fild16, 2);
  run_x87_load("fild32", x_fild32, 4); run_x87_load("fild64", x_fild64, 9);
  run_x87_bcd_load(); run_x87_bcd_store();
  dump_images();
  return 0;
}
