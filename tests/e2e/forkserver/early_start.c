/* early_start.c - linked against early_lib.so (see there): a SIGUSR1
 * handler that calls snprintf (not async-signal-safe), so `sigstorm fuzz`
 * has an unsafe-call to find whether it forks copies or execs each run.
 *   hang     the handler spins instead, after main started a child
 *            process (sleep 3600.417) that must go with the run.
 *   slow     the handler only counts; once it ran, main starts such a child
 *            (sleep 3600.418: each test counts its own, the tests may run
 *            at once) and sleeps: the run outlives any per-run timeout. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char early_input[]; /* early_lib.so: what its constructor read */

static int log_fd = -1;
static int hang, slow;
static volatile sig_atomic_t handled;

static void start_child(void) {
  if (fork() == 0) {
    execlp("sleep", "sleep", slow ? "3600.418" : "3600.417", (char*)NULL);
    _exit(127);
  }
}

static void on_usr1(int sig) {
  if (hang)
    for (;;) {
    }
  if (slow) {
    handled = 1;
    return;
  }
  char line[64];
  snprintf(line, sizeof line, "status %d\n", sig); /* BUG */
  (void)!write(log_fd, line, strlen(line));
}

int main(int argc, char** argv) {
  hang = argc > 1 && strcmp(argv[1], "hang") == 0;
  slow = argc > 1 && strcmp(argv[1], "slow") == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  log_fd = open("/dev/null", O_WRONLY);
  if (hang) start_child();
  sigaction(SIGUSR1, &sa, NULL);
  (void)!write(log_fd, early_input, strlen(early_input));
  for (int i = 0; i < 5; ++i) (void)!write(log_fd, "tick\n", 5);
  if (handled) {
    start_child();
    sleep(30);
  }
  return 0;
}
