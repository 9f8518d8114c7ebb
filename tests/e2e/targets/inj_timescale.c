// --time-scale target: the program's own timers and sleeps, asked for in
// minutes. Each mode arms one timer for 300 s (ualarm: 0.9 s), reads back
// what the timer API says is left (the program must see its own units, not
// the scaled ones), then waits for SIGALRM.
//
//   inj_timescale alarm | setitimer | timer_settime | ualarm | getitimer | timer_gettime
//   inj_timescale sleep | nanosleep | clock_nanosleep | abstime
//       (a 300 s sleep; abstime: clock_nanosleep to a deadline 300 s away)
//
// Prints "MODE: left=N rang=1" (N: seconds left as the program sees them,
// or "-"), or "MODE: slept" for the sleeps. Without --time-scale a run takes
// five minutes: the tests rely on the harness's timeout, never on a clock.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t rang;
static void on_alarm(int sig) { rang = 1; }

// Waits for SIGALRM without a race: blocked until sigsuspend.
static void wait_for_alarm(const sigset_t *old) {
  while (!rang) sigsuspend(old);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *mode = argv[1];
  signal(SIGALRM, on_alarm);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigprocmask(SIG_BLOCK, &block, &old);

  if (!strcmp(mode, "alarm")) {
    alarm(300);
    const unsigned left = alarm(300);  // the previous alarm's seconds left
    wait_for_alarm(&old);
    printf("alarm: left=%u rang=%d\n", left, (int)rang);
  } else if (!strcmp(mode, "setitimer")) {
    struct itimerval v = {{0, 0}, {300, 0}}, prev;
    setitimer(ITIMER_REAL, &v, NULL);
    setitimer(ITIMER_REAL, &v, &prev);
    wait_for_alarm(&old);
    printf("setitimer: left=%ld rang=%d\n", (long)(prev.it_value.tv_sec + (prev.it_value.tv_usec >= 500000)),
           (int)rang);
  } else if (!strcmp(mode, "timer_settime")) {
    timer_t t;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0) return 1;
    struct itimerspec v = {{0, 0}, {300, 0}}, prev;
    timer_settime(t, 0, &v, NULL);
    timer_settime(t, 0, &v, &prev);
    wait_for_alarm(&old);
    printf("timer_settime: left=%ld rang=%d\n", (long)(prev.it_value.tv_sec + (prev.it_value.tv_nsec >= 500000000)),
           (int)rang);
  } else if (!strcmp(mode, "getitimer")) {
    struct itimerval v = {{0, 0}, {300, 0}}, now;
    setitimer(ITIMER_REAL, &v, NULL);
    getitimer(ITIMER_REAL, &now);
    wait_for_alarm(&old);
    printf("getitimer: left=%ld rang=%d\n", (long)(now.it_value.tv_sec + (now.it_value.tv_usec >= 500000)),
           (int)rang);
  } else if (!strcmp(mode, "timer_gettime")) {
    timer_t t;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0) return 1;
    struct itimerspec v = {{0, 0}, {300, 0}}, now;
    timer_settime(t, 0, &v, NULL);
    timer_gettime(t, &now);
    wait_for_alarm(&old);
    printf("timer_gettime: left=%ld rang=%d\n", (long)(now.it_value.tv_sec + (now.it_value.tv_nsec >= 500000000)),
           (int)rang);
  } else if (!strcmp(mode, "ualarm")) {
    ualarm(900000, 0);
    const useconds_t left = ualarm(900000, 0);
    wait_for_alarm(&old);
    printf("ualarm: left=%s rang=%d\n", left > 800000 && left <= 900000 ? "0.9s" : "wrong", (int)rang);
  } else if (!strcmp(mode, "sleep")) {
    printf("sleep: %s\n", sleep(300) == 0 ? "slept" : "interrupted");
  } else if (!strcmp(mode, "nanosleep")) {
    struct timespec ts = {300, 0};
    printf("nanosleep: %s\n", nanosleep(&ts, NULL) == 0 ? "slept" : "interrupted");
  } else if (!strcmp(mode, "clock_nanosleep")) {
    struct timespec ts = {300, 0};
    printf("clock_nanosleep: %s\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0 ? "slept" : "interrupted");
  } else if (!strcmp(mode, "abstime")) {
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += 300;
    printf("abstime: %s\n",
           clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == 0 ? "slept" : "interrupted");
  } else {
    return 2;
  }
  return 0;
}
