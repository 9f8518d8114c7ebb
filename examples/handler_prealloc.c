/* handler_prealloc.c - the correct twin of handler_alloc.c.
 *
 * The status message is built in a static buffer that exists before any
 * signal can arrive, with a few lines of integer formatting that call nothing
 * (no snprintf), and written with write(2), which is async-signal-safe. The
 * handler saves and restores errno because write() may change it.
 *
 * The operator's `kill -USR1 <pid>` is simulated with raise(SIGUSR1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t processed;
static char status_buf[128]; /* preallocated: never malloc in the handler */

/* Appends text to status_buf at *len; async-signal-safe (plain stores). */
static void put_str(size_t *len, const char *s) {
  while (*s && *len < sizeof status_buf) status_buf[(*len)++] = *s++;
}
static void put_uint(size_t *len, unsigned v) {
  char digits[12];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 12);
  while (n && *len < sizeof status_buf) status_buf[(*len)++] = digits[--n];
}

static void report_status(int sig) {
  int saved_errno = errno;
  size_t len = 0;
  put_str(&len, "status: ");
  put_uint(&len, (unsigned)processed);
  put_str(&len, " items processed\n");
  (void)!write(STDERR_FILENO, status_buf, len);
  errno = saved_errno;
}

int main(void) {
  signal(SIGUSR1, report_status);
  for (int i = 1; i <= 6; ++i) {
    char *item = strdup("an item of work");
    free(item);
    processed = i;
    if (i == 4) raise(SIGUSR1); /* the operator asks for a status report */
  }
  printf("done: %d items\n", (int)processed);
  return 0;
}
