/* stepcount: the exact number of user-mode instructions a program executes, counted by single-stepping
 * it with ptrace from exec to exit. The last instruction, the exit_group SYSCALL, never returns to be
 * stepped over, so it is added explicitly. Usage: stepcount <program> [args...]; prints to stderr. */
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stepcount <program> [args...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0); /* stopped at the exec */
  unsigned long long steps = 0;
  for (;;) {
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0) break;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    steps++;
  }
  fprintf(stderr, "%s: %llu instructions (exit status %d)\n", argv[1], steps + 1,
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
