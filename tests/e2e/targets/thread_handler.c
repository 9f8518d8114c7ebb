// Threads: a worker thread waits in sigsuspend() with SIGUSR1 otherwise
// blocked; the main thread sends it SIGUSR1 with pthread_kill once it is
// ready. The handler, running on the worker, calls printf.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static int ready[2];

static void on_usr1_worker(int sig) {
  got = 1;
  printf("worker handler ran\n");  // @line:printf-call
}

static void *worker(void *arg) {
  sigset_t block, wait_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, &wait_mask);
  sigdelset(&wait_mask, SIGUSR1);
  printf("worker=%ld\n", (long)syscall(SYS_gettid));
  fflush(stdout);
  if (write(ready[1], "r", 1) != 1) return NULL;
  while (!got) sigsuspend(&wait_mask);
  fflush(stdout);
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1_worker;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  // The main thread never takes SIGUSR1.
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  if (pipe(ready) != 0) return 2;
  printf("main=%d\n", (int)getpid());
  fflush(stdout);

  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  char c;
  if (read(ready[0], &c, 1) != 1) return 3;
  pthread_kill(t, SIGUSR1);
  pthread_join(t, NULL);
  printf("joined\n");
  return 0;
}
