// Transparency: SA_RESETHAND. The one-shot handler runs once, the disposition
// reads SIG_DFL from inside the handler and afterwards, and in a child a second
// SIGUSR1 kills the process as the default action does.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define USER_FLAGS (SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK)

static volatile sig_atomic_t calls, inside_is_dfl, inside_blocked;

static void one_shot(int sig) {
  struct sigaction cur;
  sigset_t now;
  calls++;
  sigaction(sig, NULL, &cur);
  inside_is_dfl = (cur.sa_handler == SIG_DFL);
  sigprocmask(SIG_BLOCK, NULL, &now);
  inside_blocked = sigismember(&now, sig);
}

static void install(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = one_shot;
  sa.sa_flags = SA_RESETHAND | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
}

static void show(const char *label) {
  struct sigaction cur;
  sigaction(SIGUSR1, NULL, &cur);
  printf("%s: handler=%s flags=%#x\n", label,
         cur.sa_handler == SIG_DFL ? "SIG_DFL" : cur.sa_handler == one_shot ? "one_shot" : "OTHER",
         (unsigned)(cur.sa_flags & USER_FLAGS));
}

int main(void) {
  install(0);
  show("installed");
  raise(SIGUSR1);
  printf("calls=%d inside_is_dfl=%d inside_blocked=%d\n", (int)calls, (int)inside_is_dfl, (int)inside_blocked);
  show("after delivery");

  calls = 0;
  install(SA_NODEFER);
  show("installed nodefer");
  raise(SIGUSR1);
  printf("nodefer calls=%d inside_is_dfl=%d inside_blocked=%d\n", (int)calls, (int)inside_is_dfl,
         (int)inside_blocked);
  show("after nodefer delivery");
  fflush(stdout);

  // A second signal after the reset takes the default action: death by SIGUSR1.
  pid_t pid = fork();
  if (pid == 0) {
    calls = 0;
    install(0);
    raise(SIGUSR1);
    if (calls != 1) _exit(3);
    raise(SIGUSR1);
    _exit(4);  // not reached
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    printf("child killed by signal %d\n", WTERMSIG(status));
  else
    printf("child exited %d (FAIL)\n", WEXITSTATUS(status));
  int ok = calls == 1 && inside_is_dfl && !inside_blocked && WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1;
  printf("%s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
