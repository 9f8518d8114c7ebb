/* alarm_print.c - a timeout with alarm() whose handler prints.
 *
 * The tutorials' timeout recipe:
 *
 *     def handler(signum, frame):
 *         print('Signal handler called with signal', signum)
 *         raise OSError("Couldn't open device!")
 *     signal.signal(signal.SIGALRM, handler)
 *     signal.alarm(1)
 *     fd = os.open('/dev/ttyS0', os.O_RDWR)   # may hang
 *     signal.alarm(0)
 *
 * In C the SIGALRM handler interrupts the program wherever it is. fprintf()
 * locks the stream and may allocate its buffer: if the alarm fires while the
 * program is inside stdio or malloc (a busy program often is), the handler
 * deadlocks or corrupts state. fprintf is not async-signal-safe.
 *
 * The fix, in alarm_selfpipe.c: the handler write(2)s one byte to a pipe (the
 * self-pipe trick), and the main loop reads the pipe and reports the timeout.
 *
 * Here the "device that never answers" is a 5 s sleep; the alarm fires after 1 s.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void handler(int signum) {
  fprintf(stderr, "Signal handler called with signal %d\n", signum); /* BUG: fprintf in a handler */
  timed_out = 1;
}

int main(void) {
  signal(SIGALRM, handler);
  alarm(1);
  printf("Opening the device (1 s timeout)...\n");
  fflush(stdout);
  unsigned left = sleep(5); /* the device that never answers */
  alarm(0);
  if (timed_out && left > 0) printf("Couldn't open device: timed out\n");
  return 0;
}
