/*
 * Freestanding helpers shared by the xenolite kernel and its user programs:
 * string/memory functions and a small vsnprintf. No libc is linked.
 */
#ifndef XENOLITE_LIB_H
#define XENOLITE_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define barrier() __asm__ volatile("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define noreturn _Noreturn
#define printf_like(f, a) __attribute__((format(printf, f, a)))

/* gcc may emit calls to these four even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
bool str_ends_with(const char *s, const char *suffix);

/* %d %i %u %x %X %o %p %s %c %%, flags "-0 +#", width, precision, * and
 * length modifiers hh h l ll z t. Returns the length it would have written. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) printf_like(3, 4);

#endif /* XENOLITE_LIB_H */
