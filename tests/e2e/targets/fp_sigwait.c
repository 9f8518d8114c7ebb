// False positive check: signals are blocked in every thread and a dedicated
// thread takes them with sigwait()/sigwaitinfo()/sigtimedwait(), then prints
// and allocates freely: that is ordinary thread context, not a handler.
// A flag-only handler is installed for SIGUSR1 too (never run: blocked).
// The main thread sends one signal at a time and waits for an acknowledgement
// on a pipe, so the output order is fixed.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handler_ran;
static void on_usr1(int sig) { handler_ran = 1; }

static sigset_t set;
static int ack[2];

static void done_one(void) {
  fflush(stdout);
  if (write(ack[1], "a", 1) != 1) exit(3);
}

static void *waiter(void *arg) {
  for (int i = 0; i < 3; ++i) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return NULL;
    char *msg = strdup("sigwait thread received");
    printf("%s signal %d\n", msg, sig);
    free(msg);
    done_one();
  }
  siginfo_t info;
  int sig = sigwaitinfo(&set, &info);
  printf("sigwaitinfo thread received signal %d code_is_user=%d\n", sig, info.si_code == SI_USER);
  done_one();
  struct timespec ts = {20, 0};
  sig = sigtimedwait(&set, &info, &ts);
  printf("sigtimedwait thread received signal %d si_code=%d\n", sig, info.si_code);
  done_one();
  return NULL;
}

static void await_ack(void) {
  char c;
  if (read(ack[0], &c, 1) != 1) exit(4);
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  if (pipe(ack) != 0) return 2;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, NULL);  // inherited by the thread

  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  kill(getpid(), SIGUSR1);
  await_ack();
  pthread_kill(t, SIGUSR2);
  await_ack();
  kill(getpid(), SIGUSR1);
  await_ack();
  kill(getpid(), SIGUSR2);
  await_ack();
  pthread_kill(t, SIGUSR1);
  await_ack();
  pthread_join(t, NULL);
  printf("handler_ran=%d\n", (int)handler_ran);
  return handler_ran ? 1 : 0;
}
