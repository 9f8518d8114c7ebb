// Injection target: call: points and the when=/p=/max= keys.
//
//   inj_calls [N [threaded]]
//
// `threaded` starts and joins a thread first: the process is no longer
// single-threaded, and the shim counts hits with a locked add.
//
// Installs a SIGUSR1 handler that only counts, then calls close(-1) N times
// (default 12) with nothing else interposed in between, and notes after each
// call whether the handler ran during it. Prints
//
//   calls=N
//   fired_at=3,5,7      1-based indices of the calls the handler ran in
//                       ("3x2" when it ran twice in call 3; "-" for none)
//   runs=K              handler runs in the loop
//
// A test then reads which hits of `call:close` fired straight from the output.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t runs;
static void on_usr1(int sig) { runs++; }
static void *idle(void *arg) { return arg; }

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 12;
  if (n <= 0 || n > 100000) return 2;
  if (argc > 2 && strcmp(argv[2], "threaded") == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, idle, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
  }
  // The handler first: with call:*, the calls below are hits too.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  int *per_call = calloc((size_t)n, sizeof *per_call);
  if (!per_call) return 1;

  int total = 0;
  for (int i = 0; i < n; ++i) {
    const int before = runs;
    close(-1);  // @line:close-call
    per_call[i] = runs - before;
    total += per_call[i];
  }

  printf("calls=%d\n", n);
  printf("fired_at=");
  int any = 0;
  for (int i = 0; i < n; ++i) {
    if (!per_call[i]) continue;
    printf(any ? ",%d" : "%d", i + 1);
    if (per_call[i] > 1) printf("x%d", per_call[i]);
    any = 1;
  }
  printf("%s\n", any ? "" : "-");
  printf("runs=%d\n", total);
  free(per_call);
  return 0;
}
