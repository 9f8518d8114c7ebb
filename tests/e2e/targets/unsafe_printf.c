// unsafe-call: printf() in a SIGUSR1 handler, delivered three times (the
// three hits are one finding with count 3). Prints pid=N for the test.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig) {
  printf("handler: got signal %d\n", sig);  // @line:printf-call
}

int main(void) {
  printf("pid=%d\n", (int)getpid());  // stdio is warm before the handler runs
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 1;
  for (int i = 0; i < 3; ++i) raise(SIGUSR1);
  printf("done\n");
  return 0;
}
