// False positive check: handlers that only set a volatile sig_atomic_t, the
// main loop does all the work (printf, malloc) outside them. No findings.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_seen, alarm_seen, info_seen;

static void on_usr1(int sig) { usr1_seen++; }
static void on_alarm(int sig) { alarm_seen = 1; }
static void on_usr2_info(int sig, siginfo_t *info, void *ctx) { info_seen = info->si_signo; }

int main(void) {
  signal(SIGUSR1, on_usr1);
  signal(SIGALRM, on_alarm);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr2_info;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, NULL);

  for (int i = 0; i < 200; ++i) {
    if (i % 2) raise(SIGUSR1); else kill(getpid(), SIGUSR1);
    char *p = malloc(100 + i);  // outside the handler: fine
    snprintf(p, 100, "%d", i);
    free(p);
  }
  raise(SIGUSR2);

  // A real timer signal, waited for with sigsuspend (no race, no sleep).
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct itimerval it = {{0, 0}, {0, 1000}};  // 1 ms
  setitimer(ITIMER_REAL, &it, NULL);
  while (!alarm_seen) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);

  printf("usr1=%d alarm=%d info=%d\n", (int)usr1_seen, (int)alarm_seen, (int)info_seen);
  return usr1_seen == 200 && alarm_seen && info_seen == SIGUSR2 ? 0 : 1;
}
