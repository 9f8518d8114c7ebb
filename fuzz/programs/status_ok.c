/* status_ok.c - status_race.c fixed: the handler only ever write(2)s a
 * fixed line, and leaves errno alone. `sigstorm fuzz` finds nothing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t in_batch;
static int log_fd = -1;

static void on_status(int sig) {
  (void)sig;
  const int saved = errno;
  static const char busy[] = "status: batch running\n";
  static const char idle[] = "status: idle\n";
  if (in_batch) (void)!write(log_fd, busy, sizeof busy - 1);
  else (void)!write(log_fd, idle, sizeof idle - 1);
  errno = saved;
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
      (void)!write(log_fd, "batch\n", 6);
      in_batch = 0;
    }
  }
  return 0;
}
