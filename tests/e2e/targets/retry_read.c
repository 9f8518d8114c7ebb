// Reads its stdin to the end, retrying every read that fails with EINTR, as
// careful programs (and CPython) do. A SIGUSR1 handler without SA_RESTART.
// Prints "bytes=N eintr=K".
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig) {}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  char buf[256];
  long bytes = 0, eintr = 0;
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      eintr++;
      continue;
    }
    if (n <= 0) break;
    bytes += n;
  }
  printf("bytes=%ld eintr=%ld\n", bytes, eintr);
  return 0;
}
