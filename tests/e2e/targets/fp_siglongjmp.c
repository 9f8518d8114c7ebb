// False positive check: a handler that leaves with siglongjmp() to a
// sigsetjmp(env, 1) point (the mask is restored). What main does after the
// jump (printf, malloc) is outside any handler: no findings, and the signal
// is unblocked again each time.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t jumps;

static void on_usr1(int sig) {
  jumps++;
  siglongjmp(env, 1);
}

static void on_segv(int sig) { siglongjmp(env, 2); }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_segv;
  sigaction(SIGSEGV, &sa, NULL);

  for (int i = 0; i < 5; ++i) {
    int r = sigsetjmp(env, 1);
    if (r == 0) {
      raise(SIGUSR1);
      printf("not reached\n");
    } else {
      char *p = malloc(32);  // after the jump: main's code again
      snprintf(p, 32, "jump %d", i);
      printf("%s r=%d\n", p, r);
      free(p);
    }
  }
  // Recovering from a fault by jumping out of the SIGSEGV handler.
  if (sigsetjmp(env, 1) == 0) {
    *(volatile int *)0 = 1;
  } else {
    printf("recovered from SIGSEGV\n");
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("jumps=%d usr1_blocked=%d segv_blocked=%d\n", (int)jumps, sigismember(&now, SIGUSR1),
         sigismember(&now, SIGSEGV));
  return 0;
}
