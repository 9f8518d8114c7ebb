/* sigint_flag.c - the correct twin of sigint_print.c.
 *
 * The handler does the one thing that is always safe: it stores to a
 * `volatile sig_atomic_t` flag. The main loop checks the flag between work
 * items and does the printing and the clean exit itself, in normal context,
 * where printf and exit are fine. This is also what CPython does behind the
 * tutorial's `signal.signal(signal.SIGINT, signal_handler)`.
 *
 * This program presses Ctrl+C itself: raise(SIGINT) in the middle of its work.
 */
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t interrupted;

static void signal_handler(int sig) { interrupted = 1; }

int main(void) {
  signal(SIGINT, signal_handler);
  printf("Working... press Ctrl+C\n");
  for (int item = 1; item <= 5; ++item) {
    if (item == 3) raise(SIGINT); /* the user presses Ctrl+C here */
    if (interrupted) {
      printf("You pressed Ctrl+C! Stopping after %d items.\n", item - 1);
      return 0;
    }
    printf("processed item %d\n", item);
  }
  return 0;
}
