/*
 * The xenolite shell: runs in guest user mode, reads edited lines, splits
 * them into words and runs built-in commands (commands.c).
 */
#include "commands.h"
#include "lineedit.h"
#include "ulib.h"

#define MAX_ARGS 8
#define PROMPT "xenolite:~$ "

static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    while (*p && argc < MAX_ARGS) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    *p = 0;
    return argc;
}

int main(void)
{
    char line[LINE_MAX];
    char *argv[MAX_ARGS + 1];
    for (;;) {
        if (read_line(PROMPT, line, sizeof(line)) <= 0)
            continue;
        int argc = split(line, argv);
        argv[argc] = NULL;
        if (argc)
            run_command(argc, argv);
    }
}
