/* alarm_selfpipe.c - the correct twin of alarm_print.c: the self-pipe trick.
 *
 * The SIGALRM handler only write(2)s one byte into a pipe. write() is
 * async-signal-safe, and the handler saves and restores errno around it so
 * the code it interrupted never sees a changed errno. The main loop waits on
 * the pipe (here with poll(), next to the "device") and reports the timeout in
 * normal context, where stdio is fine.
 *
 * This is how event loops (and CPython's signal.set_wakeup_fd) do it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int self_pipe[2];

static void handler(int signum) {
  int saved_errno = errno;
  char byte = (char)signum;
  (void)!write(self_pipe[1], &byte, 1);
  errno = saved_errno;
}

int main(void) {
  int device[2]; /* stands for a device that never answers */
  if (pipe(self_pipe) != 0 || pipe(device) != 0) return 1;
  fcntl(self_pipe[1], F_SETFL, O_NONBLOCK); /* a full pipe must never block the handler */
  signal(SIGALRM, handler);
  alarm(1);
  printf("Opening the device (1 s timeout)...\n");
  fflush(stdout);
  struct pollfd fds[2] = {{device[0], POLLIN, 0}, {self_pipe[0], POLLIN, 0}};
  for (;;) {
    int n = poll(fds, 2, 5000);
    if (n < 0 && errno == EINTR) continue; /* the alarm interrupted poll: look again */
    if (n <= 0) break;
    if (fds[1].revents & POLLIN) {
      char byte;
      if (read(self_pipe[0], &byte, 1) == 1)
        printf("Couldn't open device: timed out (signal %d arrived through the self-pipe)\n", byte);
      break;
    }
    if (fds[0].revents & POLLIN) break; /* the device answered */
  }
  alarm(0);
  return 0;
}
