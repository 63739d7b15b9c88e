/* Line editing on a serial terminal (see lineedit.c). */
#ifndef XENOLITE_LINEEDIT_H
#define XENOLITE_LINEEDIT_H

#include <stddef.h>

#define LINE_MAX 128

/* Prints the prompt and reads one edited line into out (NUL-terminated).
 * Returns its length, or -1 if Ctrl-C abandoned the line. */
int read_line(const char *prompt, char *out, size_t out_len);
void history_print(void);

#endif
