// SA_RESTART fidelity: what the real kernel does to a blocking call a signal
// handler interrupts, next to what `--inject SIGUSR1@call:FUNC,mode=eintr`
// makes of the same call.
//
//   inj_restart FUNC FLAGS MODE
//     FUNC   one of the calls in kCalls below
//     FLAGS  restart (the SIGUSR1 handler has SA_RESTART) | norestart
//     MODE   kernel: a helper thread waits until the main thread is really
//                    blocked in FUNC's system call (it reads
//                    /proc/self/task/TID/syscall: no sleeps order anything),
//                    sends SIGUSR1 with tgkill, waits for the handler to have
//                    run, then makes the call able to complete (writes the
//                    pipe, connects, posts the semaphore, lets the child exit,
//                    releases the lock...).
//            inject: no signal from the helper (sigstorm injects one at the
//                    call); the helper completes the call if it blocks.
//
// Prints one line, the same in both modes:
//
//   FUNC FLAGS: EINTR handled=1        the call failed with EINTR
//   FUNC FLAGS: completed handled=1    it was restarted (or not interrupted)
//   FUNC FLAGS: error ERRNO handled=N  anything else
//
// Everything but the call under test is made with raw syscall(2), so that
// only that call is a hit of `call:FUNC` (and of nothing else).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { handled++; }

static pid_t main_tid;
static int calling, returned;  // __atomic: the main thread is about to call / has returned
static int kernel_mode;

// ---- raw helpers (never a call: point) ----

static long raw_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
static long raw_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
static long raw_close(int fd) { return syscall(SYS_close, fd); }
static long raw_open(const char *path, int flags) { return syscall(SYS_openat, AT_FDCWD, path, flags, 0600); }
static long raw_fcntl(int fd, int cmd, long arg) { return syscall(SYS_fcntl, fd, cmd, arg); }

static void raw_pause(void) {
  struct timespec ts = {0, 200000};  // 0.2 ms: only to poll, never to order
  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
}

static void die(const char *what) {
  raw_write(2, what, strlen(what));
  raw_write(2, "\n", 1);
  _exit(99);
}

// ---- the blocking scenarios ----

static int pfd[2];          // a pipe
static int sv[2];           // a connected AF_UNIX stream socket pair
static int lfd = -1;        // a listening AF_UNIX socket
static struct sockaddr_un laddr;
static int cfd = -1;        // connect: the client socket under test
static int epfd = -1;
static sem_t sem;
static pid_t child = -1;
static int child_pipe[2];   // wait*: the child exits when this is written
static int lock_fd1 = -1, lock_fd2 = -1;
static char dir[64], path[128];
static FILE *stream;        // stdio over the pipe
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_t other;     // pthread_join / pthread_mutex_lock: a second thread
static int other_pipe[2];   // ... that goes on when this is written
static int cond_flag;

// The system calls FUNC may block in (glibc picks one; x86_64 and aarch64).
static long nrs[4];
static void want(long a, long b) { nrs[0] = a, nrs[1] = b; }
#ifndef SYS_poll
#define SYS_poll -100
#endif
#ifndef SYS_select
#define SYS_select -101
#endif
#ifndef SYS_pause
#define SYS_pause -102
#endif
#ifndef SYS_epoll_wait
#define SYS_epoll_wait -103
#endif
#ifndef SYS_wait4
#define SYS_wait4 -104
#endif

static void fill_pipe(int fd) {
  raw_fcntl(fd, F_SETFL, raw_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  char buf[4096] = {0};
  while (raw_write(fd, buf, sizeof buf) > 0) {
  }
  while (raw_write(fd, buf, 1) > 0) {
  }
  raw_fcntl(fd, F_SETFL, raw_fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
}

static void drain(int fd) {
  raw_fcntl(fd, F_SETFL, raw_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  char buf[4096];
  while (raw_read(fd, buf, sizeof buf) > 0) {
  }
}

static void fill_socket(int fd) {
  char buf[4096] = {0};
  while (syscall(SYS_sendto, fd, buf, sizeof buf, MSG_DONTWAIT, NULL, 0) > 0) {
  }
  while (syscall(SYS_sendto, fd, buf, 1, MSG_DONTWAIT, NULL, 0) > 0) {
  }
}

static void listen_unix(int backlog) {
  lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&laddr, 0, sizeof laddr);
  laddr.sun_family = AF_UNIX;
  snprintf(laddr.sun_path, sizeof laddr.sun_path, "%s/sock", dir);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&laddr, sizeof laddr) != 0 || listen(lfd, backlog) != 0)
    die("inj_restart: listen");
}

static int connect_unix(void) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || syscall(SYS_connect, fd, &laddr, sizeof laddr) != 0) die("inj_restart: connect");
  return fd;
}

static void fork_waiting_child(void) {
  if (pipe(child_pipe) != 0) die("inj_restart: pipe");
  child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);  // raw fork: not a call: point
  if (child < 0) die("inj_restart: fork");
  if (child == 0) {
    char c;
    raw_read(child_pipe[0], &c, 1);
    syscall(SYS_exit_group, 0);
  }
}

// Holds a POSIX lock on PATH in a child process until child_pipe is written.
static void fork_lock_holder(void) {
  int ready[2];
  if (pipe(ready) != 0 || pipe(child_pipe) != 0) die("inj_restart: pipe");
  child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (child < 0) die("inj_restart: fork");
  if (child == 0) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int fd = (int)raw_open(path, O_RDWR);
    if (fd < 0 || raw_fcntl(fd, F_SETLK, (long)&fl) != 0) syscall(SYS_exit_group, 1);
    char c = 'r';
    raw_write(ready[1], &c, 1);
    raw_read(child_pipe[0], &c, 1);
    syscall(SYS_exit_group, 0);
  }
  char c;
  if (raw_read(ready[0], &c, 1) != 1) die("inj_restart: lock holder");
}

static void *other_main(void *arg) {
  char c;
  if (arg) {  // pthread_mutex_lock: hold the mutex until told (trylock: not a hit of call:pthread_mutex_lock)
    if (pthread_mutex_trylock(&mutex) != 0) die("inj_restart: trylock");
    raw_write(other_pipe[1], "r", 1);
    raw_read(other_pipe[0], &c, 1);  // (the "r" is read back first by main)
    pthread_mutex_unlock(&mutex);
    return NULL;
  }
  raw_read(other_pipe[0], &c, 1);
  return NULL;
}

// A 10 s SO_RCVTIMEO / SO_SNDTIMEO: signal(7) says such calls are never restarted.
static void set_timeout(int fd, int opt) {
  struct timeval tv = {10, 0};
  if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) != 0) die("inj_restart: setsockopt");
}

static void setup(const char *f, const char *variant) {
  snprintf(dir, sizeof dir, "/tmp/inj_restart.XXXXXX");
  if (!mkdtemp(dir)) die("inj_restart: mkdtemp");
  snprintf(path, sizeof path, "%s/file", dir);
  if (pipe(pfd) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("inj_restart: pipe");

  if (!strcmp(f, "read") || !strcmp(f, "readv")) want(!strcmp(f, "read") ? SYS_read : SYS_readv, -1);
  else if (!strcmp(f, "write") || !strcmp(f, "writev")) {
    fill_pipe(pfd[1]);
    want(!strcmp(f, "write") ? SYS_write : SYS_writev, -1);
  } else if (!strcmp(f, "recv") || !strcmp(f, "recvfrom") || !strcmp(f, "recvmsg")) {
    want(SYS_recvfrom, SYS_recvmsg);
  } else if (!strcmp(f, "send") || !strcmp(f, "sendto") || !strcmp(f, "sendmsg")) {
    fill_socket(sv[0]);
    want(SYS_sendto, SYS_sendmsg);
  } else if (!strcmp(f, "accept") || !strcmp(f, "accept4")) {
    listen_unix(8);
    want(SYS_accept, SYS_accept4);
  } else if (!strcmp(f, "connect")) {
    // Backlog 0: one pending connection fills the queue, the next connect waits.
    listen_unix(0);
    connect_unix();
    cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    want(SYS_connect, -1);
  } else if (!strcmp(f, "open") || !strcmp(f, "openat")) {
    if (mkfifo(path, 0600) != 0) die("inj_restart: mkfifo");  // opening a FIFO to read waits for a writer
    want(SYS_openat, -1);
#ifdef SYS_open
    nrs[1] = SYS_open;
#endif
  } else if (!strcmp(f, "poll") || !strcmp(f, "ppoll")) {
    want(SYS_poll, SYS_ppoll);
  } else if (!strcmp(f, "select") || !strcmp(f, "pselect")) {
    want(SYS_select, SYS_pselect6);
  } else if (!strcmp(f, "epoll_wait") || !strcmp(f, "epoll_pwait")) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pfd[0]};
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, pfd[0], &ev) != 0) die("inj_restart: epoll");
    want(SYS_epoll_wait, SYS_epoll_pwait);
  } else if (!strcmp(f, "nanosleep") || !strcmp(f, "clock_nanosleep") || !strcmp(f, "usleep") ||
             !strcmp(f, "sleep")) {
    want(SYS_nanosleep, SYS_clock_nanosleep);
  } else if (!strcmp(f, "pause")) {
    want(SYS_pause, SYS_ppoll);
  } else if (!strcmp(f, "sigsuspend")) {
    want(SYS_rt_sigsuspend, -1);
  } else if (!strcmp(f, "sigwait") || !strcmp(f, "sigwaitinfo") || !strcmp(f, "sigtimedwait")) {
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);  // waited for, never handled
    want(SYS_rt_sigtimedwait, -1);
  } else if (!strcmp(f, "wait") || !strcmp(f, "waitpid") || !strcmp(f, "wait4") || !strcmp(f, "waitid")) {
    fork_waiting_child();
    want(SYS_wait4, SYS_waitid);
  } else if (!strcmp(f, "sem_wait") || !strcmp(f, "sem_timedwait")) {
    sem_init(&sem, 0, 0);
    want(SYS_futex, -1);
  } else if (!strcmp(f, "flock")) {
    lock_fd1 = (int)raw_open(path, O_RDWR | O_CREAT | O_CLOEXEC);
    lock_fd2 = (int)raw_open(path, O_RDWR | O_CLOEXEC);  // its own open file description
    if (lock_fd1 < 0 || lock_fd2 < 0 || syscall(SYS_flock, lock_fd1, LOCK_EX) != 0) die("inj_restart: flock");
    want(SYS_flock, -1);
  } else if (!strcmp(f, "fcntl")) {
    lock_fd1 = (int)raw_open(path, O_RDWR | O_CREAT | O_CLOEXEC);
    if (lock_fd1 < 0) die("inj_restart: open");
    fork_lock_holder();  // POSIX locks are per process: another one holds it
    want(SYS_fcntl, -1);
  } else if (!strcmp(f, "pthread_join")) {
    if (pipe(other_pipe) != 0 || pthread_create(&other, NULL, other_main, NULL) != 0) die("inj_restart: thread");
    want(SYS_futex, -1);
  } else if (!strcmp(f, "pthread_mutex_lock")) {
    int ready[2];
    if (pipe(ready) != 0 || pipe(other_pipe) != 0) die("inj_restart: pipe");
    // The other thread writes "r" to other_pipe once it holds the mutex.
    int tmp = other_pipe[1];
    other_pipe[1] = ready[1];
    if (pthread_create(&other, NULL, other_main, (void *)1) != 0) die("inj_restart: thread");
    char c;
    if (raw_read(ready[0], &c, 1) != 1) die("inj_restart: mutex holder");
    other_pipe[1] = tmp;
    want(SYS_futex, -1);
  } else if (!strcmp(f, "pthread_cond_wait") || !strcmp(f, "pthread_cond_timedwait")) {
    pthread_mutex_lock(&mutex);
    want(SYS_futex, -1);
  } else if (!strcmp(f, "fwrite") || !strcmp(f, "fputs") || !strcmp(f, "fprintf") || !strcmp(f, "fflush")) {
    stream = fdopen(pfd[1], "w");
    if (!stream) die("inj_restart: fdopen");
    if (!strcmp(f, "fflush")) {
      static char big[8192];
      setvbuf(stream, big, _IOFBF, sizeof big);
      fputs("x", stream);  // buffered: fflush writes it
    } else {
      setvbuf(stream, NULL, _IONBF, 0);  // every call writes at once
    }
    fill_pipe(pfd[1]);
    want(SYS_write, SYS_writev);
  } else if (!strcmp(f, "fgets") || !strcmp(f, "fread") || !strcmp(f, "fgetc") || !strcmp(f, "getline")) {
    stream = fdopen(pfd[0], "r");
    if (!stream) die("inj_restart: fdopen");
    want(SYS_read, -1);
  } else {
    die("inj_restart: unknown FUNC");
  }
  if (!strcmp(variant, "rcvtimeo")) set_timeout(!strncmp(f, "accept", 6) ? lfd : sv[0], SO_RCVTIMEO);
  else if (!strcmp(variant, "sndtimeo")) set_timeout(!strcmp(f, "connect") ? cfd : sv[0], SO_SNDTIMEO);
  else if (*variant) die("inj_restart: unknown variant");
}

// Makes the blocked call able to finish. Harmless when it already has.
static void complete(const char *f) {
  static const char byte = 'x';
  if (!strcmp(f, "write") || !strcmp(f, "writev") || !strcmp(f, "fwrite") || !strcmp(f, "fputs") ||
      !strcmp(f, "fprintf") || !strcmp(f, "fflush"))
    drain(pfd[0]);
  else if (!strncmp(f, "send", 4)) drain(sv[1]);
  else if (!strncmp(f, "recv", 4)) raw_write(sv[1], &byte, 1);
  else if (!strncmp(f, "accept", 6)) connect_unix();
  else if (!strcmp(f, "connect")) syscall(SYS_accept4, lfd, NULL, NULL, SOCK_CLOEXEC);
  else if (!strncmp(f, "open", 4)) raw_open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  else if (!strncmp(f, "sig", 3) && strcmp(f, "sigsuspend") != 0) syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2);
  else if (!strcmp(f, "pthread_join") || !strcmp(f, "pthread_mutex_lock")) raw_write(other_pipe[1], &byte, 1);
  else if (!strncmp(f, "pthread_cond", 12)) {
    pthread_mutex_lock(&mutex);
    cond_flag = 1;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&mutex);
  } else if (child > 0) raw_write(child_pipe[1], &byte, 1);  // wait*, fcntl: the child exits
  else if (!strncmp(f, "sem_", 4)) sem_post(&sem);
  else if (!strcmp(f, "flock")) syscall(SYS_flock, lock_fd1, LOCK_UN);
  else if (!strcmp(f, "getline")) raw_write(pfd[1], "x\n", 2);
  else raw_write(pfd[1], &byte, 1);  // read, readv, poll, select, epoll, stdio
  // Sleeps, pause and sigsuspend have nothing to complete: a sleep is long
  // (5 s) and would only end by itself; pause and sigsuspend never would.
}

// Is the main thread blocked in one of FUNC's system calls?
static int main_blocked(void) {
  char p[64], buf[256];
  snprintf(p, sizeof p, "/proc/self/task/%d/syscall", (int)main_tid);
  int fd = (int)raw_open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long n = raw_read(fd, buf, sizeof buf - 1);
  raw_close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *end;
  long nr = strtol(buf, &end, 10);
  if (end == buf) return 0;  // "running"
  return nr >= 0 && (nr == nrs[0] || nr == nrs[1]);
}

static const char *func;

static void *helper(void *arg) {
  for (long i = 0;; ++i) {
    if (__atomic_load_n(&returned, __ATOMIC_ACQUIRE)) return NULL;
    if (__atomic_load_n(&calling, __ATOMIC_ACQUIRE) && main_blocked()) break;
    if (i > 50000) die("inj_restart: the main thread never blocked");  // ~10 s
    raw_pause();
  }
  if (kernel_mode) {
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    for (long i = 0; !handled; ++i) {
      if (i > 50000) die("inj_restart: the handler never ran");
      raw_pause();
    }
  }
  // The handler has run: the kernel has already chosen restart or EINTR.
  complete(func);
  return NULL;
}

// The call under test. Returns 1 when it failed with EINTR, 0 when it
// completed; sets *err for anything else.
static int call(const char *f, int *err) {
  char c = 0;
  char buf[8];
  struct iovec iov = {buf, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  struct timespec five = {5, 0};
  long rc = 0;
  errno = 0;
  if (!strcmp(f, "read")) rc = read(pfd[0], &c, 1);
  else if (!strcmp(f, "readv")) rc = readv(pfd[0], &iov, 1);
  else if (!strcmp(f, "write")) rc = write(pfd[1], "x", 1);
  else if (!strcmp(f, "writev")) rc = writev(pfd[1], &iov, 1);
  else if (!strcmp(f, "recv")) rc = recv(sv[0], buf, 1, 0);
  else if (!strcmp(f, "recvfrom")) rc = recvfrom(sv[0], buf, 1, 0, NULL, NULL);
  else if (!strcmp(f, "recvmsg")) rc = recvmsg(sv[0], &mh, 0);
  else if (!strcmp(f, "send")) rc = send(sv[0], "x", 1, 0);
  else if (!strcmp(f, "sendto")) rc = sendto(sv[0], "x", 1, 0, NULL, 0);
  else if (!strcmp(f, "sendmsg")) rc = sendmsg(sv[0], &mh, 0);
  else if (!strcmp(f, "accept")) rc = accept(lfd, NULL, NULL);
  else if (!strcmp(f, "accept4")) rc = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  else if (!strcmp(f, "connect")) rc = connect(cfd, (struct sockaddr *)&laddr, sizeof laddr);
  else if (!strcmp(f, "open")) rc = open(path, O_RDONLY | O_CLOEXEC);
  else if (!strcmp(f, "openat")) rc = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  else if (!strcmp(f, "poll")) {
    struct pollfd p = {pfd[0], POLLIN, 0};
    rc = poll(&p, 1, -1);
  } else if (!strcmp(f, "ppoll")) {
    struct pollfd p = {pfd[0], POLLIN, 0};
    rc = ppoll(&p, 1, NULL, NULL);
  } else if (!strcmp(f, "select") || !strcmp(f, "pselect")) {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(pfd[0], &r);
    rc = !strcmp(f, "select") ? select(pfd[0] + 1, &r, NULL, NULL, NULL)
                              : pselect(pfd[0] + 1, &r, NULL, NULL, NULL, NULL);
  } else if (!strcmp(f, "epoll_wait") || !strcmp(f, "epoll_pwait")) {
    struct epoll_event ev;
    rc = !strcmp(f, "epoll_wait") ? epoll_wait(epfd, &ev, 1, -1) : epoll_pwait(epfd, &ev, 1, -1, NULL);
  } else if (!strcmp(f, "nanosleep")) rc = nanosleep(&five, NULL);
  else if (!strcmp(f, "clock_nanosleep")) {
    const int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &five, NULL);  // returns the error
    rc = e ? -1 : 0;
    errno = e;
  } else if (!strcmp(f, "usleep")) rc = usleep(5000000);
  else if (!strcmp(f, "sleep")) {
    const unsigned left = sleep(5);  // returns the seconds left when interrupted
    rc = left ? -1 : 0;
    errno = left ? EINTR : 0;
  } else if (!strcmp(f, "pause")) rc = pause();
  else if (!strcmp(f, "sigsuspend")) {
    sigset_t none;
    sigemptyset(&none);
    rc = sigsuspend(&none);
  } else if (!strcmp(f, "sigwait")) {
    sigset_t usr2;
    int sig = 0;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    const int e = sigwait(&usr2, &sig);  // returns the error
    rc = e ? -1 : 0;
    errno = e;
  } else if (!strcmp(f, "sigwaitinfo") || !strcmp(f, "sigtimedwait")) {
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    rc = !strcmp(f, "sigwaitinfo") ? sigwaitinfo(&usr2, NULL) : sigtimedwait(&usr2, NULL, &five);
  } else if (!strcmp(f, "wait")) rc = wait(NULL);
  else if (!strcmp(f, "waitpid")) rc = waitpid(child, NULL, 0);
  else if (!strcmp(f, "wait4")) rc = wait4(child, NULL, 0, NULL);
  else if (!strcmp(f, "waitid")) {
    siginfo_t si;
    rc = waitid(P_PID, (id_t)child, &si, WEXITED);
  } else if (!strcmp(f, "sem_wait")) rc = sem_wait(&sem);
  else if (!strcmp(f, "sem_timedwait")) {
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 5;
    rc = sem_timedwait(&sem, &at);
  } else if (!strcmp(f, "flock")) rc = flock(lock_fd2, LOCK_EX);
  else if (!strcmp(f, "fcntl")) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    rc = fcntl(lock_fd1, F_SETLKW, &fl);
  } else if (!strcmp(f, "pthread_join")) {
    errno = pthread_join(other, NULL);  // pthread_* return the error
    rc = errno ? -1 : 0;
  } else if (!strcmp(f, "pthread_mutex_lock")) {
    errno = pthread_mutex_lock(&mutex);
    rc = errno ? -1 : 0;
    if (!rc) pthread_mutex_unlock(&mutex);
  } else if (!strcmp(f, "pthread_cond_wait") || !strcmp(f, "pthread_cond_timedwait")) {
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 5;
    // One wait, no loop: a return without cond_flag set is what the call did.
    errno = !strcmp(f, "pthread_cond_wait") ? pthread_cond_wait(&cond, &mutex) : pthread_cond_timedwait(&cond, &mutex, &at);
    rc = errno ? -1 : 0;
    pthread_mutex_unlock(&mutex);
  } else if (!strcmp(f, "fwrite")) rc = fwrite("x", 1, 1, stream) == 1 ? 0 : -1;
  else if (!strcmp(f, "fputs")) rc = fputs("x", stream) == EOF ? -1 : 0;
  else if (!strcmp(f, "fprintf")) rc = fprintf(stream, "%s", "x") < 0 ? -1 : 0;
  else if (!strcmp(f, "fflush")) rc = fflush(stream) == EOF ? -1 : 0;
  else if (!strcmp(f, "fgets")) rc = fgets(buf, 2, stream) ? 0 : -1;
  else if (!strcmp(f, "fread")) rc = fread(buf, 1, 1, stream) == 1 ? 0 : -1;
  else if (!strcmp(f, "fgetc")) rc = fgetc(stream) == EOF ? -1 : 0;
  else if (!strcmp(f, "getline")) {
    char *line = NULL;
    size_t cap = 0;
    rc = getline(&line, &cap, stream) < 0 ? -1 : 0;
    free(line);
  }
  const int e = errno;
  if (rc >= 0) return 0;
  if (e == EINTR) return 1;
  *err = e;
  return -1;
}

static void cleanup(void) {
  unlink(laddr.sun_path[0] ? laddr.sun_path : path);
  unlink(path);
  rmdir(dir);
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  // FUNC+VARIANT: rcvtimeo / sndtimeo set a socket timeout first.
  static char name[64], variant[32];
  snprintf(name, sizeof name, "%s", argv[1]);
  char *plus = strchr(name, '+');
  if (plus) {
    *plus = 0;
    snprintf(variant, sizeof variant, "%s", plus + 1);
  }
  func = name;
  const char *flags = argv[2];
  kernel_mode = strcmp(argv[3], "kernel") == 0;
  if (!kernel_mode && strcmp(argv[3], "inject") != 0) return 2;
  main_tid = (pid_t)syscall(SYS_gettid);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = strcmp(flags, "restart") == 0 ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);

  setup(func, variant);
  pthread_t t;
  if (pthread_create(&t, NULL, helper, NULL) != 0) die("inj_restart: pthread_create");
  int err = 0;
  __atomic_store_n(&calling, 1, __ATOMIC_RELEASE);
  const int outcome = call(func, &err);
  __atomic_store_n(&returned, 1, __ATOMIC_RELEASE);
  pthread_join(t, NULL);
  // A write stream whose call failed before blocking still holds its byte,
  // which exit() flushes: make room for it (the helper drained nothing).
  if (stream && (!strcmp(func, "fwrite") || !strcmp(func, "fputs") || !strcmp(func, "fprintf") ||
                 !strcmp(func, "fflush")))
    drain(pfd[0]);
  if (child > 0) {
    raw_write(child_pipe[1], "x", 1);
    syscall(SYS_wait4, child, NULL, 0, NULL);  // whatever is left of it
  }
  cleanup();

  if (outcome == 1) printf("%s %s: EINTR handled=%d\n", argv[1], flags, (int)handled);
  else if (outcome == 0) printf("%s %s: completed handled=%d\n", argv[1], flags, (int)handled);
  else printf("%s %s: error %s handled=%d\n", argv[1], flags, strerrorname_np(err), (int)handled);
  return 0;
}
