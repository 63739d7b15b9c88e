/* printf-float: floating-point conversions (%f %e %g %a) and strtod round trips. glibc formats doubles
 * with SSE2 arithmetic and long doubles with the x87 unit, so this needs both. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const double d[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3.0, 3.141592653589793, 2.718281828459045,
                      1e-300, 6.02214076e23, DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 123456789.987654321,
                      INFINITY, -INFINITY, NAN};
  for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
    printf("%f|%.0f|%.10f|%e|%.3E|%g|%G|%.17g|%a|%12.4f|%-12.2e|%+g\n", d[i], d[i], d[i], d[i], d[i], d[i], d[i],
           d[i], d[i], d[i], d[i], d[i]);
  }
  const long double ld[] = {1.0L / 3.0L, 3.14159265358979323846264338327950288L, 1e100L, -1e-4000L};
  for (size_t i = 0; i < sizeof ld / sizeof *ld; i++) printf("%Lf|%.20Le|%Lg|%La\n", ld[i], ld[i], ld[i], ld[i]);
  const char *text[] = {"0.1", "1e308", "4.9406564584124654e-324", "-2.5e-3", "123456789012345678901234567890",
                        "0x1.8p3", "inf", "nan"};
  for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
    double v = strtod(text[i], NULL);
    printf("strtod(%s) = %.17g %a\n", text[i], v, v);
  }
  float f = 1.0f;
  for (int i = 0; i < 10; i++) f = f * 1.5f + 0.25f;
  printf("float %f %.9g\n", (double)f, (double)f);
  printf("sqrt(2) %.17g floor(-2.5) %g ceil(2.1) %g fmod(7.5, 2) %g\n", sqrt(2.0), floor(-2.5), ceil(2.1),
         fmod(7.5, 2.0));
  return 0;
}
