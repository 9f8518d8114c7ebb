/* status_race.c - a status handler that is fine, except in one window.
 *
 * The SIGUSR1 handler writes a fixed line with write(2), which is safe. But
 * while the main loop is inside a "batch" it formats a progress line with
 * snprintf, which is not async-signal-safe (it takes locale state, may
 * allocate). The window is one write(2) call out of 23: `sigstorm run`
 * with a hand-picked injection rarely lands there; `sigstorm fuzz` finds it.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t in_batch;
static volatile sig_atomic_t done_items;
static int log_fd = -1;

static void on_status(int sig) {
  (void)sig;
  if (in_batch) {
    char line[64];
    snprintf(line, sizeof line, "status: batch running, %d done\n", (int)done_items); /* BUG */
    (void)!write(log_fd, line, strlen(line));
  } else {
    static const char idle[] = "status: idle\n";
    (void)!write(log_fd, idle, sizeof idle - 1);
  }
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_status;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  log_fd = open("/dev/null", O_WRONLY);
  sigaction(SIGUSR1, &sa, NULL);
  for (int i = 0; i < 20; ++i) {
    (void)!write(log_fd, "tick\n", 5);
    if (i % 7 == 3) {
      in_batch = 1;
      (void)!write(log_fd, "batch\n", 6); /* the window */
      in_batch = 0;
    }
    done_items++;
  }
  return 0;
}
