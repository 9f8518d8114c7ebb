// Creates the file named by argv[1] and prints a line: tests that expect
// sigstorm to refuse a run check that neither happened.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc > 1) {
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
  }
  printf("marker ran\n");
  return 0;
}
