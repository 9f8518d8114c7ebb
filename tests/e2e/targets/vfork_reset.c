// What Python's subprocess does: vfork, then in the child reset signal
// dispositions with sigaction before exec. The parent's SIGTERM handler must
// stay as the parent installed it: the handler still runs, and sigaction
// still reads it back. The same with posix_spawn (POSIX_SPAWN_SETSIGDEF)
// and clone(CLONE_VM | CLONE_VFORK).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t terms;

static void on_term(int sig) { terms++; }

static void reset_all(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, NULL);
}

static char child_stack[64 * 1024];
static int clone_child(void *arg) {
  reset_all();
  char *argv[] = {"/bin/true", NULL};
  execve("/bin/true", argv, environ);
  _exit(127);
}

static int handler_is_ours(void) {
  struct sigaction now;
  sigaction(SIGTERM, NULL, &now);
  return now.sa_handler == on_term;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);

  pid_t pid = vfork();
  if (pid == 0) {
    reset_all();
    char *argv[] = {"/bin/true", NULL};
    execve("/bin/true", argv, environ);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("after vfork: ours=%d\n", handler_is_ours());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  char *argv[] = {"/bin/true", NULL};
  posix_spawn(&pid, "/bin/true", NULL, &attr, argv, environ);
  waitpid(pid, &st, 0);
  printf("after posix_spawn: ours=%d\n", handler_is_ours());

  pid = clone(clone_child, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
  waitpid(pid, &st, 0);
  printf("after clone: ours=%d\n", handler_is_ours());

  raise(SIGTERM);
  printf("terms=%d\n", (int)terms);
  return 0;
}
