/* Built-in shell commands (commands.c, workloads.c). */
#ifndef XENOLITE_COMMANDS_H
#define XENOLITE_COMMANDS_H

#include <stdint.h>

struct command {
    const char *name;
    const char *args;
    const char *help;
    int (*fn)(int argc, char **argv);
};

void run_command(int argc, char **argv);

/* workloads.c */
int cmd_bench(int argc, char **argv);
int cmd_hog(int argc, char **argv);
int cmd_spam(int argc, char **argv);
int cmd_mem(int argc, char **argv);

/* Prints "N.NNN" for a duration in ns with millisecond precision. */
void print_seconds(uint64_t ns);

#endif
