// Children made with vfork+execve and with posix_spawn, each with an
// environment that lacks LD_PRELOAD: both stay under sigstorm.
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  (void)argc;
  char target[4096];
  snprintf(target, sizeof target, "%s", argv[0]);
  char* slash = strrchr(target, '/');
  strcpy(slash ? slash + 1 : target, "unsafe_printf");
  char* child_argv[] = {target, NULL};
  char* env[] = {"HOSTILE=1", NULL};

  pid_t pid = vfork();
  if (pid == 0) {
    execve(target, child_argv, env);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("vfork child exit=%d\n", WEXITSTATUS(status));

  if (posix_spawn(&pid, target, NULL, NULL, child_argv, env) != 0) return 1;
  waitpid(pid, &status, 0);
  printf("spawn child exit=%d\n", WEXITSTATUS(status));
  return 0;
}
