// Process tree: a child closes every file descriptor (close_range, or a loop
// where that is missing), then its handler calls malloc. The finding must
// still reach the report.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep;

static void on_usr1_nofds(int sig) {
  keep = malloc(80);  // @line:malloc-call
}

int main(void) {
  signal(SIGUSR1, on_usr1_nofds);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    printf("child=%d\n", (int)getpid());
    fflush(stdout);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 0u, ~0u, 0u) != 0)
#endif
    {
      struct rlimit rl;
      getrlimit(RLIMIT_NOFILE, &rl);
      for (long fd = 0; fd < (long)rl.rlim_cur && fd < 1048576; ++fd) close((int)fd);
    }
    raise(SIGUSR1);
    _exit(keep ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child status=%d\n", WEXITSTATUS(status));
  return 0;
}
