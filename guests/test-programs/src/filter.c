/* filter: reads standard input to the end with read(2) in odd-sized chunks, counts lines/words/bytes like
 * wc, and writes the text back ROT13-encoded with write(2) in one call per line. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  static char line[1 << 16];
  size_t used = 0, lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  char chunk[37];
  ssize_t n;
  while ((n = read(0, chunk, sizeof chunk)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      char c = chunk[i];
      bytes++;
      if (isspace((unsigned char)c)) in_word = 0;
      else if (!in_word) in_word = 1, words++;
      if (isalpha((unsigned char)c)) c = (char)((tolower((unsigned char)c) - 'a' + 13) % 26 + (isupper((unsigned char)c) ? 'A' : 'a'));
      if (used < sizeof line) line[used++] = c;
      if (chunk[i] == '\n') {
        lines++;
        if (write(1, line, used) != (ssize_t)used) return 3;
        used = 0;
      }
    }
  }
  if (used && write(1, line, used) != (ssize_t)used) return 3;
  char summary[128];
  int len = snprintf(summary, sizeof summary, "\n%zu lines, %zu words, %zu bytes\n", lines, words, bytes);
  write(1, summary, (size_t)len);
  return n < 0 ? 1 : 0;
}
