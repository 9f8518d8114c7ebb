// False positive check: signals blocked in every thread, a thread reads them
// from a signalfd and prints/allocates: not handler context, no findings.
// One signal at a time, acknowledged on a pipe, so the output order is fixed.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static volatile sig_atomic_t handler_ran;
static void on_term(int sig) { handler_ran = 1; }

static int sfd;
static int ack[2];

static void *reader(void *arg) {
  for (int i = 0; i < 3; ++i) {
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) return NULL;
    char *msg = malloc(64);
    snprintf(msg, 64, "signalfd thread received signal %u", si.ssi_signo);
    puts(msg);
    free(msg);
    fflush(stdout);
    if (write(ack[1], "a", 1) != 1) exit(3);
  }
  return NULL;
}

static void send_and_wait(int sig) {
  char c;
  kill(getpid(), sig);  // process-directed: visible to the other thread's signalfd
  if (read(ack[0], &c, 1) != 1) exit(4);
}

int main(void) {
  signal(SIGTERM, on_term);
  if (pipe(ack) != 0) return 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) return 2;

  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  send_and_wait(SIGTERM);
  send_and_wait(SIGUSR1);
  send_and_wait(SIGHUP);
  pthread_join(t, NULL);
  printf("handler_ran=%d\n", (int)handler_ran);
  return handler_ran ? 1 : 0;
}
