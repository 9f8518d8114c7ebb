// Process tree: crashing children.
// Child A: the handler calls printf (finding), then the child crashes with a
// NULL store outside any handler (SIGSEGV, no handler-crash finding).
// Child B: its handler dereferences NULL (handler-crash finding) and the
// child dies by SIGSEGV, exactly as without sigstorm.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int *volatile nowhere;

static void on_usr1_print(int sig) {
  printf("child A handler\n");  // @line:printf-call
  fflush(stdout);
}

static void on_usr2_crash(int sig) {
  *nowhere = sig;  // @line:null-deref
}

static void report(const char *name, int status) {
  if (WIFSIGNALED(status))
    printf("%s killed by signal %d\n", name, WTERMSIG(status));
  else
    printf("%s exited %d\n", name, WEXITSTATUS(status));
  fflush(stdout);
}

int main(void) {
  int status;
  fflush(stdout);
  pid_t a = fork();
  if (a == 0) {
    signal(SIGUSR1, on_usr1_print);
    printf("childA=%d\n", (int)getpid());
    raise(SIGUSR1);
    *nowhere = 1;  // crash outside the handler
    _exit(0);
  }
  waitpid(a, &status, 0);
  report("child A", status);
  pid_t b = fork();
  if (b == 0) {
    signal(SIGUSR2, on_usr2_crash);
    printf("childB=%d\n", (int)getpid());
    fflush(stdout);
    raise(SIGUSR2);
    _exit(0);
  }
  waitpid(b, &status, 0);
  report("child B", status);
  return 0;
}
