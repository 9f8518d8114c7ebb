// Transparency: how the program ends. argv[1] picks the ending; a handler is
// installed for SIGUSR1 (and used) first, so the shim is active in every case.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "return0";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("mode=%s got=%d\n", mode, (int)got);
  fflush(stdout);

  if (!strcmp(mode, "return0")) return 0;
  if (!strcmp(mode, "return3")) return 3;
  if (!strcmp(mode, "exit7")) exit(7);
  if (!strcmp(mode, "_exit9")) _exit(9);
  if (!strcmp(mode, "exit255")) exit(255);
  if (!strcmp(mode, "sigterm")) raise(SIGTERM);
  if (!strcmp(mode, "sigkill")) raise(SIGKILL);
  if (!strcmp(mode, "abort")) abort();
  if (!strcmp(mode, "segv")) *(volatile int *)0 = 1;  // outside any handler: no finding
  if (!strcmp(mode, "usr1-default")) {
    signal(SIGUSR1, SIG_DFL);
    raise(SIGUSR1);
  }
  printf("unexpected: still alive\n");
  return 100;
}
