/*
 * Workload commands used by Xenoserver's isolation and throughput tests.
 * Each works in chunks and asks the kernel between chunks whether Ctrl-C
 * was typed (sys_yield returns -XL_EINTR), which also lets kernel tasks run.
 */
#include "commands.h"
#include "ulib.h"

#define NS_PER_S 1000000000ULL

/* The fixed integer workload: xorshift64 + a multiply per iteration, no
 * memory traffic, so the score measures CPU time the domain received. */
#define CHUNK_ITERS 65536
static uint64_t __attribute__((noinline)) work_chunk(uint64_t x)
{
    for (uint64_t i = 0; i < CHUNK_ITERS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = x * 0x9E3779B97F4A7C15ULL + i;
    }
    return x;
}

static bool seconds_arg(int argc, char **argv, uint64_t dflt_ms, uint64_t *ms, const char *usage)
{
    *ms = dflt_ms;
    if (argc > 2 || (argc == 2 && (!parse_milli(argv[1], ms) || !*ms))) {
        printf("usage: %s\n", usage);
        return false;
    }
    return true;
}

int cmd_bench(int argc, char **argv)
{
    uint64_t ms;
    if (!seconds_arg(argc, argv, 2000, &ms, "bench [SECONDS]"))
        return 2;
    uint64_t x = 0x0123456789abcdefULL, iters = 0;
    uint64_t start = sys_uptime(), end = start + ms * 1000000, now = start;
    bool intr = false;
    while (now < end) {
        x = work_chunk(x);
        iters += CHUNK_ITERS;
        now = sys_uptime();
        if (sys_yield() == -XL_EINTR) {
            intr = true;
            break;
        }
    }
    uint64_t elapsed = now - start;
    uint64_t us = elapsed / 1000 ? elapsed / 1000 : 1;
    printf("bench: score=%lu iter/s iterations=%lu time=", (unsigned long)(iters * 1000000 / us),
           (unsigned long)iters);
    print_seconds(elapsed);
    printf("s checksum=%016lx%s\n", (unsigned long)x, intr ? " (interrupted)" : "");
    return intr ? 130 : 0;
}

int cmd_hog(int argc, char **argv)
{
    uint64_t ms;
    if (!seconds_arg(argc, argv, 0, &ms, "hog [SECONDS]   (default: until Ctrl-C)"))
        return 2;
    uint64_t x = 1, chunks = 0, start = sys_uptime(), now = start;
    bool intr = false;
    printf("hog: burning CPU %s\n", ms ? "until the timeout or Ctrl-C" : "until Ctrl-C");
    while (!ms || now - start < ms * 1000000) {
        x = work_chunk(x);
        chunks++;
        if (sys_yield() == -XL_EINTR) {
            intr = true;
            break;
        }
        now = sys_uptime();
    }
    now = sys_uptime();
    printf("%shog: stopped after ", intr ? "^C\n" : "");
    print_seconds(now - start);
    printf("s (%lu chunks, checksum %lx)\n", (unsigned long)chunks, (unsigned long)(x & 0xffff));
    return intr ? 130 : 0;
}

int cmd_spam(int argc, char **argv)
{
    uint64_t n;
    if (argc != 2 || !parse_uint(argv[1], &n)) {
        printf("usage: spam N\n");
        return 2;
    }
    static char buf[4096];
    size_t len = 0;
    uint64_t bytes = 0, start = sys_uptime();
    bool intr = false;
    for (uint64_t i = 1; i <= n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len,
                                "%06lu the quick brown fox jumps over the lazy dog\n",
                                (unsigned long)i);
        if (len > sizeof(buf) - 80 || i == n) {
            sys_write(buf, len);
            bytes += len;
            len = 0;
            if (sys_yield() == -XL_EINTR) {
                intr = true;
                break;
            }
        }
    }
    uint64_t el = sys_uptime() - start;
    printf("%sspam: %lu bytes in ", intr ? "^C\n" : "", (unsigned long)bytes);
    print_seconds(el);
    printf("s\n");
    return intr ? 130 : 0;
}

/* Fill with a pattern derived from each word's address, then verify. */
static bool mem_pass(uint64_t *p, size_t words, uint64_t salt, bool write, bool *intr)
{
    const size_t per_mib = (1 << 20) / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t want = ((uint64_t)(uintptr_t)&p[i] * 0x9E3779B97F4A7C15ULL) ^ salt;
        if (write) {
            p[i] = want;
        } else if (p[i] != want) {
            printf("mem: MISMATCH at %p: %016lx, expected %016lx\n", (void *)&p[i],
                   (unsigned long)p[i], (unsigned long)want);
            return false;
        }
        if ((i + 1) % per_mib == 0 && sys_yield() == -XL_EINTR) {
            *intr = true;
            return false;
        }
    }
    return true;
}

int cmd_mem(int argc, char **argv)
{
    uint64_t mib = 4;
    if (argc > 2 || (argc == 2 && (!parse_uint(argv[1], &mib) || !mib))) {
        printf("usage: mem [MiB]\n");
        return 2;
    }
    struct xl_meminfo before, after;
    sys_meminfo(&before);
    size_t pages = (size_t)mib * 256;
    uint64_t start = sys_uptime();
    long va = sys_mmap(pages);
    if (va < 0) {
        printf("mem: cannot map %lu MiB (%lu MiB free)\n", (unsigned long)mib,
               (unsigned long)(before.free_pages / 256));
        return 1;
    }
    uint64_t *p = (uint64_t *)va;
    size_t words = pages * 4096 / 8;
    bool intr = false, ok = true;
    static const uint64_t salts[] = { 0, ~0ULL };
    for (unsigned s = 0; s < 2 && ok; s++)
        ok = mem_pass(p, words, salts[s], true, &intr) && mem_pass(p, words, salts[s], false, &intr);
    sys_munmap(p, pages);
    uint64_t el = sys_uptime() - start;
    sys_meminfo(&after);
    if (intr)
        printf("^C\n");
    printf("mem: %lu MiB at %#lx: %s, ", (unsigned long)mib, (unsigned long)va,
           ok ? "4 passes ok" : intr ? "interrupted" : "FAILED");
    print_seconds(el);
    printf("s; free pages %lu -> %lu\n", (unsigned long)before.free_pages,
           (unsigned long)after.free_pages);
    return ok ? 0 : 1;
}
