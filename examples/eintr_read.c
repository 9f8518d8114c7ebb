/* eintr_read.c - a read() loop that takes EINTR for end of input.
 *
 * The program counts the bytes on its standard input. It also has a SIGUSR1
 * handler (progress reports, the way dd has one), installed with sigaction()
 * and no SA_RESTART. A signal that arrives while read() waits for input
 * makes read() fail with EINTR, and this loop then stops as if the input had
 * ended: it reports a short count and exits 0, and nobody notices.
 *
 * The bug needs a signal at exactly the wrong moment, so it never shows in a
 * test. sigstorm makes that moment:
 *
 *   sigstorm run --inject USR1@call:read,when=3,mode=eintr -- ./eintr_read < file
 *
 * The fix: `if (n < 0 && errno == EINTR) continue;` (or SA_RESTART).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t progress_wanted;
static void on_usr1(int sig) { progress_wanted = 1; }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1; /* no SA_RESTART: an interrupted read() fails with EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);

  char buf[4096];
  long total = 0;
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) break; /* BUG: EINTR is not the end of the input */
    total += n;
    if (progress_wanted) {
      progress_wanted = 0;
      fprintf(stderr, "%ld bytes so far\n", total);
    }
  }
  printf("%ld bytes\n", total);
  return 0;
}
