// A handler installed where the previous disposition reads back as SIG_ERR:
// the kernel holds (void*)-1 (sigaction accepts it), so signal() returns
// SIG_ERR although it succeeded; and signal(SIG_ERR) itself fails (EINVAL).
// Both handlers must be wrapped and checked: each calls printf.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig) { printf("usr1 handled\n"); }  // @line:usr1-printf
static void on_usr2(int sig) { printf("usr2 handled\n"); }  // @line:usr2-printf

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_ERR;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sighandler_t old1 = signal(SIGUSR1, on_usr1);
  printf("old1_is_err=%d\n", old1 == SIG_ERR);

  errno = 0;
  sighandler_t q = signal(SIGUSR2, SIG_ERR);
  printf("query_is_err=%d errno_einval=%d\n", q == SIG_ERR, errno == EINVAL);
  sighandler_t old2 = signal(SIGUSR2, on_usr2);
  printf("old2_is_dfl=%d\n", old2 == SIG_DFL);
  fflush(stdout);
  raise(SIGUSR1);
  raise(SIGUSR2);
  return 0;
}
