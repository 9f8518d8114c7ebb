// unsafe-call: malloc()/free() in a handler installed with signal().
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t seen;

static void on_usr2(int sig) {
  char *msg = malloc(64);  // @line:malloc-call
  if (msg) {
    memset(msg, 'x', 63);
    msg[63] = 0;
    seen = (int)strlen(msg);
  }
  free(msg);  // @line:free-call
}

int main(void) {
  printf("pid=%d\n", (int)getpid());
  if (signal(SIGUSR2, on_usr2) == SIG_ERR) return 1;
  raise(SIGUSR2);
  printf("seen=%d\n", (int)seen);
  return 0;
}
