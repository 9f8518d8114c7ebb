// Statically linked twin of targets/marker.c: LD_PRELOAD cannot reach it, so
// sigstorm must refuse to run it (exit 2) instead of checking nothing.
// Creates the file named by argv[1] and prints a line when it does run.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc > 1) {
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
  }
  printf("static marker ran\n");
  return 0;
}
