// A SIGSEGV handler left with longjmp (not siglongjmp): SIGSEGV stays
// blocked, and the next fault, with no interposed call in between, makes
// the kernel force the default action. The process dies of SIGSEGV with its
// handler entered and never returned: a longjmp-mask finding, reported from
// the death.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static jmp_buf env;

static void on_segv(int sig) {  // @line:handler
  longjmp(env, 1);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_segv;
  sigaction(SIGSEGV, &sa, NULL);
  write(1, "start\n", 6);
  volatile int faults = 0;
  if (setjmp(env) == 0) *(volatile int *)0 = 1;  // first fault: the handler jumps back here
  faults++;
  *(volatile int *)8 = 1;                        // second fault: SIGSEGV is still blocked
  return faults;
}
