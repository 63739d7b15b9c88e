/* faults: one way to die per argument, to check that the runner reports guest faults the way Linux does
 * (a signal: exit status 128 + signal number).
 *   null-read, null-write      access to page 0                         -> SIGSEGV (139)
 *   rodata-write               store to a read-only segment             -> SIGSEGV (139)
 *   stack-exec                 jump into the non-executable stack        -> SIGSEGV (139)
 *   divide-by-zero             idiv by 0                                -> SIGFPE  (136)
 *   ud2                        undefined instruction                    -> SIGILL  (132)
 *   exit-42                    plain exit(42) after a flushed message   -> 42 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char message[] = "read-only";

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *what = argv[1];
  printf("faults: %s\n", what);
  fflush(stdout);
  if (!strcmp(what, "null-read")) return *(volatile int *)(intptr_t)(argc - 2);
  if (!strcmp(what, "null-write")) *(volatile int *)(intptr_t)(argc - 2 + 8) = 1;
  if (!strcmp(what, "rodata-write")) *(volatile char *)message = 'R';
  if (!strcmp(what, "stack-exec")) {
    unsigned char code[16] = {0xc3}; /* ret */
    ((void (*)(void))(void *)code)();
  }
  if (!strcmp(what, "divide-by-zero")) {
    volatile int zero = argc - 2;
    return 100 / zero;
  }
  if (!strcmp(what, "ud2")) __builtin_trap();
  if (!strcmp(what, "exit-42")) exit(42);
  puts("still alive");
  return 1;
}
