/* User-side runtime (see ulib.h). */
#include "ulib.h"

noreturn void sys_exit(int code)
{
    syscall1(XL_SYS_exit, code);
    for (;;)
        ;
}

void puts_raw(const char *s)
{
    sys_write(s, strlen(s));
}

void printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sys_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

bool parse_uint(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

bool parse_milli(const char *s, uint64_t *out)
{
    uint64_t whole = 0, frac = 0;
    int digits = 0;
    bool any = false;
    for (; *s >= '0' && *s <= '9'; s++, any = true) {
        if (whole > UINT64_MAX / 10000)
            return false;
        whole = whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, any = true)
            if (digits < 3)
                frac = frac * 10 + (uint64_t)(*s - '0'), digits++;
    }
    if (*s || !any)
        return false;
    while (digits++ < 3)
        frac *= 10;
    *out = whole * 1000 + frac;
    return true;
}
