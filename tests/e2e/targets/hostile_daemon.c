// daemon(): the program sigstorm started exits at once; the daemon it left
// behind makes the finding a moment later.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void on_usr1(int sig) {
  (void)sig;
  printf("daemon got it\n");  // @line:daemon-printf
}

int main(void) {
  printf("starting\n");
  fflush(stdout);
  if (daemon(0, 0) != 0) return 1;
  setsid();
  signal(SIGUSR1, on_usr1);
  usleep(100000);
  raise(SIGUSR1);
  return 0;
}
