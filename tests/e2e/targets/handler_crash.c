// handler-crash: a SIGUSR1 handler dereferences NULL. The program must still
// die by SIGSEGV, exactly as it does without sigstorm.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int *volatile target_ptr;  // NULL

static void on_usr1_crash(int sig) {
  *target_ptr = sig;  // @line:null-deref
}

int main(void) {
  printf("pid=%d\n", (int)getpid());
  printf("before\n");
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1_crash;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 1;
  raise(SIGUSR1);
  printf("not reached\n");
  return 0;
}
