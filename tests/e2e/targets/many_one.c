// One of many short processes (tests start hundreds of them): a SIGUSR1
// handler that allocates, and one close(-1) for a call: injection to hit.
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig) { free(malloc(16)); }  // @line:alloc

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  close(-1);
  return 0;
}
