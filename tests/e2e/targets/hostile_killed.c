// A finding, then the program is SIGKILLed while it waits (by --timeout here,
// as by a user or a watchdog): the finding must survive.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_usr1(int sig) {
  (void)sig;
  puts("handled");  // @line:killed-puts
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  fflush(stdout);
  for (;;) pause();
}
