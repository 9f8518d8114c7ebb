// Bare LD_PRELOAD cases (tests/e2e/bare_preload_test.cpp): a SIGUSR1
// handler that calls printf (an unsafe-call) in the process and the way it
// ends that argv[1] names. Prints pid=N (and child=N) for the test.
//   unsafe [STATUS]  the finding, then return STATUS from main
//   _exit            the finding, then _exit(3)
//   exec             the finding, then exec this program as `clean`
//   child-crash      a forked child makes the finding, then dies of SIGSEGV
//   child-kill       a forked child makes the finding, then is SIGKILLed
//   clean            a safe handler runs (handled=1), "hello" on stdout, exit 7
//   wait             installs the printf handler, waits (5 s at most) for a
//                    SIGUSR1 from elsewhere (an injection), handled=N
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  printf("handler: got signal %d\n", sig);  // @line:bare-printf
  handled = 1;
}

static void on_usr1_safe(int sig) {
  (void)sig;
  handled = 1;
}

static void install(void (*fn)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
}

static void finding(void) {
  install(on_usr1);
  raise(SIGUSR1);
  fflush(stdout);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "unsafe";
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  if (strcmp(mode, "unsafe") == 0) {
    finding();
    return argc > 2 ? atoi(argv[2]) : 0;
  }
  if (strcmp(mode, "_exit") == 0) {
    finding();
    _exit(3);
  }
  if (strcmp(mode, "exec") == 0) {
    finding();
    execl("/proc/self/exe", argv[0], "clean", (char*)NULL);
    return 126;
  }
  if (strcmp(mode, "child-crash") == 0 || strcmp(mode, "child-kill") == 0) {
    const int crash = strcmp(mode, "child-crash") == 0;
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
      finding();
      if (crash) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
      }
      char c = 1;
      if (write(ready[1], &c, 1) != 1) _exit(1);
      for (;;) pause();
    }
    printf("child=%d\n", (int)child);
    fflush(stdout);
    if (!crash) {
      char c;
      if (read(ready[0], &c, 1) != 1) return 1;
      kill(child, SIGKILL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child-status=%s%d\n", WIFSIGNALED(status) ? "signal " : "exit ",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 0;
  }
  if (strcmp(mode, "wait") == 0) {
    install(on_usr1);
    for (int i = 0; i < 500 && !handled; ++i) usleep(10000);
    printf("handled=%d\n", (int)handled);
    return 0;
  }
  if (strcmp(mode, "clean") == 0) {
    install(on_usr1_safe);
    raise(SIGUSR1);
    printf("hello\nhandled=%d\n", (int)handled);
    return 7;
  }
  return 2;
}
