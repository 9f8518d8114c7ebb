// Built once per allocator sigstorm is tested with (jemalloc, tcmalloc,
// mimalloc), linked against it, so that the allocator starts before the
// shim's own set-up has finished. A SIGUSR1 handler counts (safe), or, with
// "unsafe", allocates: then the allocation is the finding.
//
//   alloc_linked [unsafe]     prints "blocks=N handled=M"
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int unsafe;

static void on_usr1(int sig) {
  handled++;
  if (unsafe) free(malloc(64));  // @line:handler-malloc
}

int main(int argc, char **argv) {
  unsafe = argc > 1 && strcmp(argv[1], "unsafe") == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  void *blocks[64] = {0};
  long n = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 64; ++i) {
      free(blocks[i]);
      blocks[i] = malloc((size_t)(16 + (round * 64 + i) % 4000));
      n++;
    }
    if (round % 50 == 0) raise(SIGUSR1);
  }
  for (int i = 0; i < 64; ++i) free(blocks[i]);
  printf("blocks=%ld handled=%d\n", n, (int)handled);
  return 0;
}
