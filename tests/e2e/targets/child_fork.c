// Process tree: the handler is installed before fork(); only the child raises
// the signal, and its handler calls printf. The finding belongs to the child.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1_child(int sig) {
  printf("child handler ran\n");  // @line:printf-call
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1_child;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  printf("parent=%d\n", (int)getpid());
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    printf("child=%d\n", (int)getpid());
    raise(SIGUSR1);
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child status=%d\n", WEXITSTATUS(status));
  return 0;
}
