// Process tree: findings from children that end abruptly right after them.
// Child A: the handler calls malloc, then the child _exit()s at once.
// Child B: the handler calls fprintf and _exit(5)s from inside the handler,
// so the handler never returns.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep;

static void on_usr1_alloc(int sig) {
  keep = malloc(48);  // @line:malloc-call
}

static void on_usr2_exit(int sig) {
  fprintf(stderr, "child B leaving from its handler\n");  // @line:fprintf-call
  _exit(5);
}

static pid_t spawn(int sig, void (*handler)(int)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    signal(sig, handler);
    printf("%s=%d\n", sig == SIGUSR1 ? "childA" : "childB", (int)getpid());
    fflush(stdout);
    raise(sig);
    _exit(0);
  }
  return pid;
}

int main(void) {
  int status;
  pid_t a = spawn(SIGUSR1, on_usr1_alloc);
  waitpid(a, &status, 0);
  printf("child A status=%d\n", WEXITSTATUS(status));
  pid_t b = spawn(SIGUSR2, on_usr2_exit);
  waitpid(b, &status, 0);
  printf("child B status=%d\n", WEXITSTATUS(status));
  return 0;
}
