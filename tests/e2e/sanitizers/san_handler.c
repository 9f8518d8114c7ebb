// A program built with -fsanitize=address or -fsanitize=thread (by gcc and
// by clang, tests/CMakeLists.txt): a handler that calls malloc, free and
// printf (sigstorm's finding), and the sanitizer's own finding in the same
// program: a heap-use-after-free (ASan) or a data race (TSan).
// UBSan's (a signed overflow) and MSan's (an uninitialized read) too.
// A handler that calls strsignal, which only the audit check (LD_AUDIT) sees.
//   san_handler [handler] [audited] [jump] [safe] [spin] [uaf] [race] [overflow] [uninit] [child] [reexec]
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t seen;

static void on_usr1(int sig) {  // @line:on_usr1
  (void)sig;
  char *msg = malloc(64);  // @line:malloc-call
  if (msg) {
    msg[0] = 'x';
    seen = msg[0];
  }
  free(msg);            // @line:free-call
  printf("handled\n");  // @line:printf-call
}

static volatile sig_atomic_t usr2_runs;
static void on_usr2(int sig) {
  (void)sig;
  seen = 2;
  usr2_runs++;
  write(1, "safe\n", 5);
}

static void on_hup(int sig) {
  seen = strsignal(sig) ? 3 : 0;  // @line:strsignal-call
}

// Leaves by siglongjmp: ASan's instrumentation calls __asan_handle_no_return
// first, the compiler's call, not the handler's.
static sigjmp_buf back;
static void on_alrm(int sig) {
  (void)sig;
  seen = 4;
  siglongjmp(back, 1);
}

static int shared;
static void *racer(void *arg) {
  (void)arg;
  shared++;  // @line:race-thread
  return NULL;
}

static int has(int argc, char **argv, const char *word) {
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], word) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  // The same executable again: it needs its runtime first, as this one did.
  if (has(argc, argv, "reexec")) {
    char *again[] = {argv[0], "handler", "child", NULL};
    execv("/proc/self/exe", again);
    return 4;
  }
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, on_usr2);
  signal(SIGHUP, on_hup);
  signal(SIGALRM, on_alrm);
  if (has(argc, argv, "jump") && sigsetjmp(back, 1) == 0) raise(SIGALRM);
  if (has(argc, argv, "handler")) raise(SIGUSR1);
  if (has(argc, argv, "audited")) raise(SIGHUP);
  if (has(argc, argv, "safe")) raise(SIGUSR2);
  // Running code until an injected signal's handler has run 5 times: close
  // is one of TSan's interceptors, where it runs the handlers it deferred.
  // Not once: a signal that lands in a system call (the start-up's, or
  // close's) runs its handler there and then, not deferred.
  if (has(argc, argv, "spin")) {
    volatile unsigned long work = 0;
    while (usr2_runs < 5) {
      for (int i = 0; i < 100000; ++i) work += i;
      close(-1);
    }
  }
  printf("seen=%d\n", (int)seen);
  fflush(stdout);
  // What the program passes on: the sanitizer runtime stays out of it.
  if (has(argc, argv, "child")) {
    const char *preload = getenv("LD_PRELOAD");
    printf("preload=%s\n", preload ? preload : "");
    fflush(stdout);
    if (system("echo child=$LD_PRELOAD") != 0) return 3;
  }
  if (has(argc, argv, "race")) {
    pthread_t t;
    pthread_create(&t, NULL, racer, NULL);
    shared++;  // @line:race-main
    pthread_join(t, NULL);
  }
  if (has(argc, argv, "overflow")) {
    int big = INT_MAX - 1;
    big += argc;  // @line:overflow
    printf("big=%d\n", big);
  }
  if (has(argc, argv, "uninit")) {
    int *p = malloc(sizeof *p);
    if (*p) printf("uninit\n");  // @line:uninit
    free(p);
  }
  if (has(argc, argv, "uaf")) {
    char *p = malloc(8);
    free(p);
    return p[3];  // @line:uaf
  }
  return 0;
}
