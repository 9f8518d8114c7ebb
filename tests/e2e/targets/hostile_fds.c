// A program that dup2()s /dev/null over every descriptor it could have, then
// makes a finding: sigstorm keeps no descriptor to lose.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_usr1(int sig) {
  (void)sig;
  char buf[8];
  snprintf(buf, sizeof buf, "%d", sig);  // @line:fds-snprintf
}

int main(void) {
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 1024; ++fd)
    if (fd != null) dup2(null, fd);
  close(null);
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  return 3;
}
