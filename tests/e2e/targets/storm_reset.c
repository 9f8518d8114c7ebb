// A handler installed and set back to SIG_DFL 600 times under a storm of
// its signal (an interpreter resets its handlers as it exits): a storm that
// waits for the handler (from=handler) must never send the tick that finds
// SIG_DFL. Prints how many times the handler ran.
//   storm_reset
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile sig_atomic_t ran;
static void on_usr1(int sig) {
  (void)sig;
  ran++;
}

static void spin_us(long us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

int main(void) {
  long ran_total = 0;
  for (int i = 0; i < 600; ++i) {
    ran = 0;
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    // The clock looks for the handler every millisecond, then ticks.
    spin_us(1300);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
    ran_total += ran;
  }
  printf("ran=%ld\n", ran_total > 0 ? 1L : 0L);
  return 0;
}
