// Transparency: a handler that does not touch errno leaves the interrupted
// code's errno alone, whatever the checker does around it; a handler that
// saves and restores errno around a failing call does too (and is no finding).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void quiet(int sig) { count++; }
static void quiet_info(int sig, siginfo_t *info, void *ctx) { count++; }
static void careful(int sig) {
  int saved = errno;
  int fd = open("/nonexistent-sigstorm-e2e/x", O_RDONLY);  // fails: ENOENT
  if (fd >= 0) close(fd);
  errno = saved;
}

static void install(int sig, void (*h)(int), void (*hi)(int, siginfo_t *, void *)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (hi) {
    sa.sa_sigaction = hi;
    sa.sa_flags = SA_SIGINFO;
  } else {
    sa.sa_handler = h;
  }
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

static void *thread_body(void *arg) {
  errno = ERANGE;
  raise(SIGUSR1);
  printf("thread: errno=%s\n", strerrorname_np(errno));
  return NULL;
}

int main(void) {
  install(SIGUSR1, quiet, NULL);
  install(SIGUSR2, NULL, quiet_info);
  install(SIGHUP, careful, NULL);

  errno = EDOM;
  raise(SIGUSR1);
  printf("plain: errno=%s\n", strerrorname_np(errno));

  errno = EILSEQ;
  raise(SIGUSR2);
  printf("siginfo: errno=%s\n", strerrorname_np(errno));

  errno = 0;
  raise(SIGUSR1);
  printf("zero: errno=%d\n", errno);

  char c;
  int rc = (int)read(-1, &c, 1);  // EBADF from a real failing call
  raise(SIGUSR2);
  printf("after failing call: rc=%d errno=%s\n", rc, strerrorname_np(errno));

  errno = E2BIG;
  raise(SIGHUP);
  printf("careful: errno=%s\n", strerrorname_np(errno));

  pthread_t t;
  pthread_create(&t, NULL, thread_body, NULL);
  pthread_join(t, NULL);
  printf("count=%d\n", (int)count);
  return 0;
}
