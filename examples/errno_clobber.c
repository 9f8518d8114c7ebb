/* errno_clobber.c - a SIGCHLD handler that reaps children and clobbers errno.
 *
 * The tutorials reap children in a SIGCHLD handler:
 *
 *     def reap(signum, frame):
 *         while True:
 *             try: pid, status = os.waitpid(-1, os.WNOHANG)
 *             except ChildProcessError: break
 *
 * The C version loops on waitpid(-1, ..., WNOHANG) until it fails. The last
 * call fails with ECHILD, and the handler returns with errno == ECHILD: the
 * code it interrupted, which may be about to test errno, sees a failure it
 * never had. Here main parses a number with strtol() and checks errno, as
 * strtol's manual says to; the SIGCHLD arrives in between, and main reports
 * "No child processes" for a parse that succeeded.
 *
 * The fix, in errno_saved.c: save errno on entry, restore it before returning.
 *
 * The program forks a child that exits at once; SIGCHLD is kept blocked until
 * the moment that shows the bug, so the run is deterministic.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t reaped;

static void reap_children(int sig) { /* BUG: returns with errno == ECHILD */
  while (waitpid(-1, NULL, WNOHANG) > 0) reaped++;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = reap_children;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);

  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  siginfo_t info; /* wait until the child is a zombie, without reaping it */
  waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);

  errno = 0;
  long value = strtol("12345", NULL, 10);
  sigprocmask(SIG_SETMASK, &old, NULL); /* SIGCHLD arrives right here */
  if (errno != 0)
    printf("strtol(\"12345\") failed?! errno says: %s\n", strerror(errno));
  else
    printf("parsed %ld\n", value);
  printf("reaped %d child\n", (int)reaped);
  return 0;
}
