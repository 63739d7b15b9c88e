/* args: what the kernel hands a new process — argc/argv/envp, the auxiliary vector, the stack alignment at
 * main, and the identity/info system calls glibc wraps. Prints only values that are the same on every run
 * of the same command line (no addresses that ASLR moves). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "not NULL");
  int envc = 0;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "XENO_", 5) == 0) printf("env %s\n", *e);
    else envc++;
  printf("XENO_GREETING via getenv: %s\n", getenv("XENO_GREETING") ? getenv("XENO_GREETING") : "(unset)");
  printf("AT_PAGESZ=%lu AT_CLKTCK=%lu AT_PHENT=%lu AT_SECURE=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK),
         getauxval(AT_PHENT), getauxval(AT_SECURE));
  printf("AT_PLATFORM=%s\n", (const char *)getauxval(AT_PLATFORM));
  printf("AT_UID matches getuid: %d, AT_EGID matches getegid: %d\n", getauxval(AT_UID) == getuid(),
         getauxval(AT_EGID) == getegid());
  const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
  printf("AT_RANDOM present: %d\n", random != NULL);
  printf("AT_ENTRY is in the program: %d\n", getauxval(AT_ENTRY) != 0);
  printf("AT_EXECFN ends with argv[0]'s base name: %d\n",
         strcmp(strrchr((const char *)getauxval(AT_EXECFN), '/') ? strrchr((const char *)getauxval(AT_EXECFN), '/') + 1
                                                                 : (const char *)getauxval(AT_EXECFN),
                strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]) == 0);
  volatile uint64_t aligned __attribute__((aligned(16))) = 0;
  printf("16-byte aligned local: %d\n", ((uintptr_t)&aligned & 15) == 0);
  printf("sysconf(_SC_PAGESIZE)=%ld\n", sysconf(_SC_PAGESIZE));
  struct utsname u;
  if (uname(&u) == 0) printf("uname: sysname=%s machine=%s\n", u.sysname, u.machine);
  struct rlimit rl;
  if (getrlimit(RLIMIT_STACK, &rl) == 0) printf("stack limit: %llu\n", (unsigned long long)rl.rlim_cur);
  printf("pid positive: %d, tid == pid: %d\n", getpid() > 0, (long)getpid() == (long)gettid());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  printf("readlink(/proc/self/exe) ok: %d\n", n > 0);
  return argc;
}
