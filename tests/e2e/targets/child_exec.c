// Process tree: a program started through exec with a custom environment
// that lacks LD_PRELOAD (and every SIGSTORM_ variable): its handler's printf
// is still found. argv[1] picks how: "fork-execve", "vfork-execve",
// "posix_spawn", "execve" (replace this very process, no fork). The exec'd
// program is this one with argv[1] == "exec-child".
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1_exec(int sig) {
  printf("exec'd child handler ran\n");  // @line:printf-call
}

static int exec_child(void) {
  const char *v = getenv("E2E_CUSTOM");
  printf("exec-child=%d\n", (int)getpid());
  printf("custom env: %s\n", v ? v : "(missing)");
  signal(SIGUSR1, on_usr1_exec);
  raise(SIGUSR1);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "exec-child")) return exec_child();
  const char *mode = argc > 1 ? argv[1] : "fork-execve";

  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = 0;
  char *child_argv[] = {"child_exec", "exec-child", NULL};
  char *child_env[] = {"E2E_CUSTOM=kept", "PATH=/usr/bin:/bin", NULL};

  printf("parent=%d mode=%s\n", (int)getpid(), mode);
  fflush(stdout);
  pid_t pid = -1;
  if (!strcmp(mode, "execve")) {
    execve(self, child_argv, child_env);
    return 3;
  } else if (!strcmp(mode, "fork-execve")) {
    pid = fork();
    if (pid == 0) {
      execve(self, child_argv, child_env);
      _exit(127);
    }
  } else if (!strcmp(mode, "vfork-execve")) {
    pid = vfork();
    if (pid == 0) {
      execve(self, child_argv, child_env);
      _exit(127);
    }
  } else if (!strcmp(mode, "posix_spawn")) {
    if (posix_spawn(&pid, self, NULL, NULL, child_argv, child_env) != 0) return 4;
  } else {
    return 5;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
