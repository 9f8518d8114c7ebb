/* sigint_print.c - printing (and exiting) from a SIGINT handler.
 *
 * The Python tutorials start with
 *
 *     def signal_handler(sig, frame):
 *         print('You pressed Ctrl+C!')
 *         sys.exit(0)
 *     signal.signal(signal.SIGINT, signal_handler)
 *
 * which is fine in Python: the interpreter only notes the signal and runs the
 * function later, between two bytecodes. Written the same way in C, the
 * handler runs the instant the signal arrives, in the middle of whatever the
 * program was doing. printf() takes stdout's lock and may allocate; exit()
 * runs atexit handlers and flushes every stdio stream. If Ctrl+C lands while
 * main is itself inside printf or malloc, the handler deadlocks or corrupts
 * the stream. Neither function is async-signal-safe (signal-safety(7)).
 *
 * The fix, in sigint_flag.c: the handler only sets a volatile sig_atomic_t
 * flag, and the main loop prints and exits when it sees it.
 *
 * This program presses Ctrl+C itself: raise(SIGINT) in the middle of its work.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static void signal_handler(int sig) {
  printf("You pressed Ctrl+C! (signal %d)\n", sig); /* BUG: printf is not async-signal-safe */
  exit(0);                                          /* BUG: exit runs atexit handlers, flushes stdio */
}

int main(void) {
  signal(SIGINT, signal_handler);
  printf("Working... press Ctrl+C\n");
  for (int item = 1; item <= 5; ++item) {
    if (item == 3) raise(SIGINT); /* the user presses Ctrl+C here */
    printf("processed item %d\n", item);
  }
  return 0;
}
