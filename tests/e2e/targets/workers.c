// A master that forks N workers (no exec, as nginx does); each worker
// counts SIGUSR1 in its handler until it has seen 5, or gives up after 5 s.
// The master has no SIGUSR1 handler: a SIGUSR1 meant for the workers that
// reached it would kill it. `workers 0`: the counting alone, no fork.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got++; }

static int work(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  for (int i = 0; i < 5000 && got < 5; ++i) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  printf("worker %s\n", got >= 5 ? "handled>=5" : "starved");
  fflush(stdout);
  return got >= 5 ? 0 : 1;
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 2;
  if (n == 0) return work();
  int failed = 0;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) _exit(work());
  }
  for (int i = 0; i < n; ++i) {
    int st;
    wait(&st);
    failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  printf("master: %d workers failed\n", failed);
  return failed;
}
