// errno-clobber: an SA_SIGINFO handler whose failing open() leaves
// errno == ENOENT for the code it interrupted (errno was 0 at entry).
// The program prints the errno it sees afterwards: sigstorm must not change it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_usr1_info(int sig, siginfo_t *info, void *ctx) {
  int fd = open("/nonexistent-sigstorm-e2e/file", O_RDONLY);  // @line:open-fails
  if (fd >= 0) close(fd);
}

int main(void) {
  printf("pid=%d\n", (int)getpid());
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 1;
  errno = 0;
  raise(SIGUSR1);
  int seen = errno;
  printf("errno_after_raise=%d\n", seen);
  return 0;
}
