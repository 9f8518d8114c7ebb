// A handler installed with a raw rt_sigaction system call, behind every
// wrapper: sigstorm cannot check it and must say so.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask;
};

static void never_called(int sig) { (void)sig; }

int main(void) {
  struct kernel_sigaction ka;
  memset(&ka, 0, sizeof ka);
  ka.handler = never_called;
  syscall(SYS_rt_sigaction, SIGUSR2, &ka, NULL, 8);
  usleep(300000);  // long enough for sigstorm to look
  printf("installed\n");
  return 0;
}
