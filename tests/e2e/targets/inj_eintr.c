// Injection target: mode=signal against mode=eintr on a call that does not
// block (the data is already there), so only an injected EINTR can fail it.
//
//   inj_eintr FUNC FLAGS
//     FUNC   read | poll | fcntl (F_GETFL: a command that never blocks, so
//            never interrupted, where F_SETLKW would be)
//     FLAGS  restart (SA_RESTART) | norestart | ignore (SIGUSR1 is SIG_IGN)
//            | blocked (norestart, and SIGUSR1 blocked around the call: it
//            stays pending, no handler runs, nothing is interrupted)
//
// A byte waits in a pipe; main makes one FUNC call on it. Prints
//
//   FUNC FLAGS: rc=N errno=NAME|- handled=K
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { handled++; }

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  const char *func = argv[1], *flags = argv[2];
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  if (strcmp(flags, "ignore") == 0) {
    sa.sa_handler = SIG_IGN;
  } else {
    sa.sa_handler = on_usr1;
    sa.sa_flags = strcmp(flags, "restart") == 0 ? SA_RESTART : 0;
  }
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  const int blocked = strcmp(flags, "blocked") == 0;
  if (blocked) sigprocmask(SIG_BLOCK, &usr1, NULL);

  int p[2];
  if (pipe(p) != 0) return 1;
  if (syscall(SYS_write, p[1], "x", 1) != 1) return 1;  // raw: not a call: point

  long rc;
  errno = 0;
  if (strcmp(func, "read") == 0) {
    char c;
    rc = read(p[0], &c, 1);
  } else if (strcmp(func, "poll") == 0) {
    struct pollfd pfd = {p[0], POLLIN, 0};
    rc = poll(&pfd, 1, -1);
  } else if (strcmp(func, "fcntl") == 0) {
    rc = fcntl(p[0], F_GETFL) & O_ACCMODE;
  } else {
    return 2;
  }
  const int err = errno;
  printf("%s %s: rc=%ld errno=%s handled=%d\n", func, flags, rc, rc < 0 ? strerrorname_np(err) : "-",
         (int)handled);
  if (blocked) sigprocmask(SIG_UNBLOCK, &usr1, NULL);  // the pending signal runs the handler now
  return 0;
}
