/*
 * Host-side check of lib/format.c against the C library's printf for the
 * conversions the kernels use. Built and run by build.sh before the kernels.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

static int failures;

static void check(const char *fmt, ...)
{
    char ours[256], theirs[256];
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n1 = tk_vsnprintf(ours, sizeof(ours), fmt, ap);
    int n2 = vsnprintf(theirs, sizeof(theirs), fmt, aq);
    va_end(aq);
    va_end(ap);
    if (n1 != n2 || strcmp(ours, theirs)) {
        fprintf(stderr, "fmt-selftest: \"%s\": got \"%s\" (%d), libc \"%s\" (%d)\n", fmt, ours, n1, theirs, n2);
        failures++;
    }
}

static int tk(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = tk_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int main(void)
{
    check("plain");
    check("%d %i %u", -42, 7, 3000000000u);
    check("%ld %lu %lx %lX", -9000000000L, 18000000000UL, 0xdeadbeefcafeUL, 0xabcUL);
    check("%x %X %#x %#lx %#x", 255u, 255u, 255u, 0x1000UL, 0u);
    check("%5d|%-5d|%05d|%08lx", 42, 42, 42, 0xbeefUL);
    check("%s|%10s|%-10s|%.3s|%.*s", "abc", "abc", "abc", "abcdef", 2, "xyz");
    check("%c%c%%", 'o', 'k');
    check("%p", (void *)0xffffffff80001000UL);
    check("%02x %02x", 0x5u, 0xabu);
    check("%ld", -9223372036854775807L - 1);
    check("%lu", 18446744073709551615UL);
    check("%zu", (size_t)12345);

    char small[6];
    int n = tk(small, sizeof(small), "%s", "truncated");
    if (n != 9 || strcmp(small, "trunc")) {
        fprintf(stderr, "fmt-selftest: truncation: \"%s\" %d\n", small, n);
        failures++;
    }
    if (failures)
        return 1;
    return 0;
}
