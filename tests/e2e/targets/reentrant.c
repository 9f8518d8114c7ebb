// Reentrancy: one handler for SIGUSR1 (SA_NODEFER) raises its own signal
// again while it runs; `shared` mode shares one handler between SIGUSR1 and
// SIGUSR2 that do not block each other. `masked` mode blocks SIGUSR2 in the
// handler's sa_mask: no reentrancy, nothing to report.
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t g_depth, g_max_depth, g_runs;

static void handler(int sig) {
  g_runs++;
  if (++g_depth > g_max_depth) g_max_depth = g_depth;
  if (g_runs == 1) raise(sig == SIGUSR1 ? SIGUSR2 : SIGUSR1);  // @line:raise-other
  g_depth--;
}

static void self_handler(int sig) {
  g_runs++;
  if (++g_depth > g_max_depth) g_max_depth = g_depth;
  if (g_runs == 1) raise(sig);  // @line:raise-again
  g_depth--;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "nodefer";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  if (strcmp(mode, "nodefer") == 0) {
    sa.sa_handler = self_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
  } else {
    sa.sa_handler = handler;
    if (strcmp(mode, "masked") == 0) {
      sigaddset(&sa.sa_mask, SIGUSR1);
      sigaddset(&sa.sa_mask, SIGUSR2);
    }
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
  }
  raise(SIGUSR1);
  printf("runs=%d max_depth=%d\n", (int)g_runs, (int)g_max_depth);
  return 0;
}
