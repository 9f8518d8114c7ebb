// False positive check: a memory probe that leaves its SIGSEGV handler with
// siglongjmp() to sigsetjmp(env, 1) many times in a row, and an error
// recovery loop that does the same from a SIGUSR1 handler, with no
// interposed call between the jumps. Each delivery finds the previous
// handler abandoned; the mask after each jump is restored, so none of it is
// a longjmp-mask finding.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t faults, recoveries;

static void on_segv(int sig) {
  faults++;
  siglongjmp(env, 1);
}

static void on_usr1(int sig) {
  recoveries++;
  siglongjmp(env, 2);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_segv;
  sigaction(SIGSEGV, &sa, NULL);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  long page = sysconf(_SC_PAGESIZE);
  char *region = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 1; i < 16; i += 2) mprotect(region + i * page, page, PROT_NONE);
  int readable = 0;
  for (int i = 0; i < 16; ++i) {
    if (sigsetjmp(env, 1) == 0) {
      (void)*(volatile char *)(region + i * page);
      readable++;
    }
  }
  for (int i = 0; i < 6; ++i)
    if (sigsetjmp(env, 1) == 0) raise(SIGUSR1);

  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("readable=%d faults=%d recoveries=%d segv_blocked=%d usr1_blocked=%d\n", readable, (int)faults,
         (int)recoveries, sigismember(&now, SIGSEGV), sigismember(&now, SIGUSR1));
  return 0;
}
