/* hello: the smallest glibc program — stdio start-up, one buffered write, exit status 0. */
#include <stdio.h>

int main(void) {
  puts("Hello, world!");
  return 0;
}
