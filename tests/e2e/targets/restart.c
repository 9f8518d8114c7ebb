// Transparency: SA_RESTART. The main thread blocks in read() on an empty pipe;
// a helper thread waits (by reading /proc/self/task/TID/syscall, no sleeps)
// until it is really blocked there, sends SIGUSR1 with pthread_kill, waits for
// the handler to have run, then writes a byte. With SA_RESTART the read is
// restarted and returns the byte; without it the read fails with EINTR. poll()
// is never restarted (signal(7)): EINTR even with SA_RESTART.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { handled = 1; }

static pthread_t main_thread;
static pid_t main_tid;
static int pipefd[2];
static int want_syscall_a, want_syscall_b;

static void pause_briefly(void) {
  struct timespec ts = {0, 200000};  // 0.2 ms: only to poll, never to order
  nanosleep(&ts, NULL);
}

// Is the main thread blocked in syscall A or B with the pipe as first argument?
static int main_blocked(void) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)main_tid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *end;
  long nr = strtol(buf, &end, 10);
  if (end == buf || (nr != want_syscall_a && nr != want_syscall_b)) return 0;
  unsigned long arg0 = strtoul(end, NULL, 16);
  // read(fd, ...) has the fd first; poll/ppoll have the pollfd array first.
  return nr == SYS_read ? arg0 == (unsigned long)pipefd[0] : 1;
}

static void *helper(void *arg) {
  for (long i = 0; !main_blocked(); ++i)
    if (i > 50000) {  // ~10 s: something is badly wrong
      fprintf(stderr, "restart: main thread never blocked\n");
      exit(99);
    }
    else
      pause_briefly();
  pthread_kill(main_thread, SIGUSR1);
  while (!handled) pause_briefly();
  // The handler has run, so the kernel has already decided: restart or EINTR.
  if (write(pipefd[1], "x", 1) != 1) exit(98);
  return NULL;
}

static void install(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
}

static void drain(void) {
  char c;
  int fl = fcntl(pipefd[0], F_GETFL);
  fcntl(pipefd[0], F_SETFL, fl | O_NONBLOCK);
  while (read(pipefd[0], &c, 1) == 1) {
  }
  fcntl(pipefd[0], F_SETFL, fl);
}

static void round_trip(const char *label, int flags, int use_poll) {
  pthread_t t;
  handled = 0;
  install(flags);
  want_syscall_a = use_poll ? SYS_poll : SYS_read;
  want_syscall_b = use_poll ? SYS_ppoll : SYS_read;
  pthread_create(&t, NULL, helper, NULL);
  errno = 0;
  long rc;
  if (use_poll) {
    struct pollfd p = {pipefd[0], POLLIN, 0};
    rc = poll(&p, 1, -1);
  } else {
    char c = 0;
    rc = read(pipefd[0], &c, 1);
  }
  int err = errno;
  pthread_join(t, NULL);
  printf("%s: rc=%ld errno=%s handled=%d\n", label, rc, rc < 0 ? strerrorname_np(err) : "-", (int)handled);
  drain();
}

int main(void) {
  main_thread = pthread_self();
  main_tid = (pid_t)syscall(SYS_gettid);
  if (pipe(pipefd) != 0) return 1;
  round_trip("read SA_RESTART", SA_RESTART, 0);
  round_trip("read no SA_RESTART", 0, 0);
  round_trip("poll SA_RESTART", SA_RESTART, 1);
  round_trip("poll no SA_RESTART", 0, 1);
  return 0;
}
