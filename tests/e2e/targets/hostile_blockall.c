// A program that blocks every signal: injections stay pending, nothing
// breaks, nothing is reported.
#include <signal.h>
#include <stdio.h>
#include <time.h>

static void on_winch(int sig) { (void)sig; }

int main(void) {
  signal(SIGWINCH, on_winch);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  struct timespec ts = {0, 100 * 1000 * 1000};
  nanosleep(&ts, NULL);
  sigset_t pending;
  sigpending(&pending);
  printf("blocked all; still here\n");
  return 0;
}
