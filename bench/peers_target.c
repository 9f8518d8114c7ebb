// The program bench/peers runs under sigstorm and the tools a user would
// pick instead (strace's signal injection, a ThreadSanitizer build).
//
//   peers_target WRITES [RAISE_EVERY] [unsafe]
//
// WRITES write()s of one byte to /dev/null, with a SIGUSR1 handler installed.
// RAISE_EVERY > 0: the program sends itself SIGUSR1 after every RAISE_EVERY
// writes (for the checks that have no injection of their own: TSan). With
// "unsafe" the handler calls malloc and free, which is not async-signal-safe:
// the bug both sigstorm and TSan should report. It prints how often the
// handler ran, so a run that injected nothing is seen.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_runs;
static int g_unsafe;

static void on_usr1(int sig) {
  (void)sig;
  g_runs = g_runs + 1;
  if (g_unsafe) {
    char* volatile p = malloc(64);
    free(p);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s WRITES [RAISE_EVERY] [unsafe]\n", argv[0]);
    return 2;
  }
  const long writes = atol(argv[1]);
  const long every = argc > 2 ? atol(argv[2]) : 0;
  g_unsafe = argc > 3 && strcmp(argv[3], "unsafe") == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  const int fd = open("/dev/null", O_WRONLY);
  if (fd < 0) return 1;
  for (long i = 1; i <= writes; ++i) {
    if (write(fd, "x", 1) != 1) return 1;
    if (every > 0 && i % every == 0) raise(SIGUSR1);
  }
  close(fd);
  printf("handler ran %ld times\n", (long)g_runs);
  return 0;
}
