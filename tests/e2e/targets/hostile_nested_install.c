// sigaction() called from inside a handler (it is async-signal-safe): the
// handler swaps itself for a second one, which the next signal runs.
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t g_first, g_second;

static void second(int sig) { (void)sig; g_second++; }

static void first(int sig) {
  g_first++;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = second;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, &old);
  if (old.sa_handler != first) g_first = -100;
}

int main(void) {
  signal(SIGUSR1, first);
  raise(SIGUSR1);
  raise(SIGUSR1);
  struct sigaction now;
  sigaction(SIGUSR1, NULL, &now);
  printf("first=%d second=%d now_second=%d\n", (int)g_first, (int)g_second, now.sa_handler == second);
  return 0;
}
