/* shared_handler.c - one handler for two signals that do not block each
 * other, formatting into one static buffer.
 *
 * log_signal() only calls async-signal-safe functions (write), so no call in
 * it is wrong. But SIGUSR1 and SIGUSR2 share it, and sigaction() was given
 * an empty sa_mask: a SIGUSR2 that arrives while the SIGUSR1 run is halfway
 * through its message re-enters log_signal() on the same buffer, and the
 * first message comes out as the second one: "SIGUSR2 caught" twice.
 *
 * sigstorm forces that nested signal into the running handler:
 *
 *   sigstorm run --inject USR2@handler:USR1 -- ./shared_handler
 *
 * The fix: put the other signal in sa_mask (or give each its own buffer).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char line[64];

static void append(size_t *len, const char *s) {
  while (*s && *len < sizeof line - 1) line[(*len)++] = *s++;
}

static void log_signal(int sig) {
  size_t len = 0;
  append(&len, sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
  (void)!write(2, "", 0); /* any interposed call: where handler:SIG fires */
  append(&len, " caught\n");
  (void)!write(1, line, len); /* BUG: `line` is shared by a nested run */
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = log_signal;
  sigemptyset(&sa.sa_mask); /* BUG: SIGUSR2 may interrupt the SIGUSR1 run */
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR1);
  return 0;
}
