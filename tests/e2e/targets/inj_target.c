// Injection target: who receives an injected signal (target=), and the timed
// points (after:, every:).
//
//   inj_target call        a worker thread calls close(-1) once; the main
//                          thread joins it, then waits for one handler run
//   inj_target wait K      the main thread only waits for K handler runs
//   inj_target wait K MS   ... then waits MS milliseconds more (extra runs
//                          would show in runs=)
//
// The SIGUSR1 and SIGRTMIN+1 handler (SA_SIGINFO) records the thread it ran on and how the
// signal was sent (si_code: SI_TKILL for tgkill, i.e. a thread; SI_USER for
// kill, i.e. the process). Prints
//
//   main=TID worker=TID
//   handler_tid=TID on=main|worker|other si_code=SI_TKILL|SI_USER|N runs=K
//
// SIGRTMIN+1 is queued, never merged: K runs are K deliveries even when the
// program is slow to run its handler (two SIGUSR1 may arrive as one).
//
// Waits are bounded (10 s): "timeout" is printed and the exit status is 3.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t runs;
static volatile sig_atomic_t handler_tid;
static volatile sig_atomic_t handler_code;
static pid_t main_tid, worker_tid;

static void on_usr1(int sig, siginfo_t *info, void *ctx) {
  handler_tid = (sig_atomic_t)syscall(SYS_gettid);
  handler_code = info->si_code;
  runs++;
}

static void *worker(void *arg) {
  worker_tid = (pid_t)syscall(SYS_gettid);
  close(-1);  // the call: point
  return NULL;
}

static void pause_briefly(void) {
  struct timespec ts = {0, 1000000};  // 1 ms: only to poll, never to order
  nanosleep(&ts, NULL);
}

// Waits until the handler ran K times; 0 on success.
static int wait_for_runs(int k) {
  for (int i = 0; runs < k; ++i) {
    if (i > 10000) return -1;
    pause_briefly();
  }
  return 0;
}

static const char *code_name(int code) {
  static char buf[16];
  if (code == SI_TKILL) return "SI_TKILL";
  if (code == SI_USER) return "SI_USER";
  if (code == SI_QUEUE) return "SI_QUEUE";
  snprintf(buf, sizeof buf, "%d", code);
  return buf;
}

// In a constructor: after:/every: count from the start of the process, so
// the handlers must exist as early as the program can make them.
__attribute__((constructor)) static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGRTMIN + 1, &sa, NULL);
}

int main(int argc, char **argv) {
  main_tid = (pid_t)syscall(SYS_gettid);

  const char *mode = argc > 1 ? argv[1] : "call";
  int rc = 0;
  if (strcmp(mode, "call") == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
    pthread_join(t, NULL);
    rc = wait_for_runs(1);
  } else if (strcmp(mode, "wait") == 0) {
    const int k = argc > 2 ? atoi(argv[2]) : 1;
    rc = wait_for_runs(k);
    const int extra_ms = argc > 3 ? atoi(argv[3]) : 0;
    for (int i = 0; rc == 0 && i < extra_ms; ++i) pause_briefly();
  } else {
    return 2;
  }

  const int on = handler_tid;
  printf("main=%d worker=%d\n", (int)main_tid, (int)worker_tid);
  printf("handler_tid=%d on=%s si_code=%s runs=%d\n", on,
         on == 0 ? "none" : on == main_tid ? "main" : on == worker_tid ? "worker" : "other",
         code_name(handler_code), (int)runs);
  if (rc != 0) {
    printf("timeout\n");
    return 3;
  }
  return 0;
}
