/* handler_alloc.c - a handler that builds its log message on the heap.
 *
 * A "status on SIGUSR1" handler, as in the tutorials' logging examples
 * (`logging.info("processed %d items", n)` inside the handler). In C the
 * natural translation mallocs a buffer (or strdup()s a string) and formats
 * into it with snprintf. malloc/free take the allocator's locks: if the
 * signal arrives while the program is inside malloc (it allocates for every
 * item here), the handler deadlocks or corrupts the heap. snprintf is not
 * on the async-signal-safe list either.
 *
 * The fix, in handler_prealloc.c: a buffer allocated once, up front, filled
 * with a few lines of async-signal-safe formatting and written with write(2).
 *
 * The operator's `kill -USR1 <pid>` is simulated with raise(SIGUSR1).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t processed;

static void report_status(int sig) {
  char *msg = malloc(128);                                              /* BUG: malloc in a handler */
  snprintf(msg, 128, "status: %d items processed\n", (int)processed); /* BUG: snprintf in a handler */
  (void)!write(STDERR_FILENO, msg, strlen(msg));
  free(msg);                                                            /* BUG: free in a handler */
}

int main(void) {
  signal(SIGUSR1, report_status);
  for (int i = 1; i <= 6; ++i) {
    char *item = strdup("an item of work"); /* fine here: not in a handler */
    free(item);
    processed = i;
    if (i == 4) raise(SIGUSR1); /* the operator asks for a status report */
  }
  printf("done: %d items\n", (int)processed);
  return 0;
}
