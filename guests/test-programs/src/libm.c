/* libm: the maths library in all three precisions — double and float functions (SSE2 code in glibc),
 * long double functions (x87: fsin, fyl2x, f2xm1, fpatan ... ), rounding modes through fesetround
 * (MXCSR and the x87 control word), exception flags, complex exp, plus setjmp/longjmp and strto*. */
#include <complex.h>
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;

/* gcc does not count longjmp as a way out of the recursion */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int thrower(int n) {
  if (n == 0) longjmp(env, 42);
  return thrower(n - 1) + 1;
}

int main(void) {
  static volatile double xs[] = {0.5, 1.0, 2.0, 3.14159, -1.25, 1e-10, 100.0, 1e10};
  for (int i = 0; i < 8; i++) {
    double x = xs[i];
    printf("%g: sin=%.17g cos=%.17g tan=%.17g exp=%.17g log=%.17g sqrt=%.17g atan2=%.17g pow=%.17g cbrt=%.17g\n", x,
           sin(x), cos(x), tan(x), exp(x), log(fabs(x)), sqrt(fabs(x)), atan2(x, 0.3), pow(fabs(x), 1.7), cbrt(x));
    printf("  sinh=%.17g erf=%.17g lgamma=%.17g hypot=%.17g fmod=%.17g expm1=%.17g log1p=%.17g\n", sinh(x / 10),
           erf(x), lgamma(fabs(x) + 0.1), hypot(x, 3), fmod(x, 0.7), expm1(x / 10), log1p(fabs(x)));
    float fx = (float)x;
    printf("  float: sinf=%.9g expf=%.9g logf=%.9g\n", (double)sinf(fx), (double)expf(fx / 100),
           (double)logf(fabsf(fx)));
    long double lx = x;
    printf("  long double: sinl=%.20Lg expl=%.20Lg sqrtl=%.20Lg logl=%.20Lg powl=%.20Lg atan2l=%.20Lg\n", sinl(lx),
           expl(lx / 100), sqrtl(fabsl(lx)), logl(fabsl(lx)), powl(fabsl(lx), 0.3L), atan2l(lx, 0.3L));
  }
  static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    volatile double a = 1.0, b = 3.0;
    volatile long double la = 1.0L, lb = 3.0L;
    printf("rounding %d: 1/3=%.17g rint(2.5)=%g rint(-2.5)=%g lrint(3.5)=%ld nearbyint(0.5)=%g 1/3L=%.21Lg\n", m,
           a / b, rint(2.5), rint(-2.5), lrint(3.5), nearbyint(0.5), la / lb);
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile double zero = 0.0, one = 1.0;
  volatile double inf = one / zero;
  printf("1/0=%g divbyzero=%d inexact=%d\n", inf, fetestexcept(FE_DIVBYZERO) != 0, fetestexcept(FE_INEXACT) != 0);
  double complex c = cexp(I * 3.14159265358979);
  printf("cexp(i*pi) = %.15g %+.15gi\n", creal(c), cimag(c));
  int v = setjmp(env);
  if (v == 0) thrower(50);
  else printf("longjmp returned %d\n", v);
  printf("strtol %ld %lu %lld\n", strtol("-0x7fffabcd", NULL, 16), strtoul("18446744073709551615", NULL, 10),
         strtoll("  -123456789012", NULL, 10));
  printf("strtod %.17g %.17g %.3La\n", strtod("3.14159265358979323846", NULL), strtod("1e-320", NULL),
         strtold("0.1", NULL));
  return 0;
}
