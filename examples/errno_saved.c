/* errno_saved.c - the correct twin of errno_clobber.c.
 *
 * The SIGCHLD handler still reaps with waitpid(-1, ..., WNOHANG) until the
 * call fails, but it saves errno on entry and restores it before returning,
 * so the interrupted strtol() check in main sees the errno it left.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t reaped;

static void reap_children(int sig) {
  int saved_errno = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) reaped++;
  errno = saved_errno;
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
