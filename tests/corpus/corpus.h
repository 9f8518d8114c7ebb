/* Shared by the correct-program corpus (tests/corpus/README.md).
 *
 * Every corpus program takes `MODE K`:
 *   self K   send itself SIGUSR1 K times (one at a time, each handled before
 *            the next is sent) and prove the handler path ran K times;
 *   wait K   send itself nothing: wait (in the program's blocking call) for
 *            K SIGUSR1s to come from outside (a `sigstorm --inject` storm or
 *            call: injection), up to a deadline of a few seconds.
 * Both modes print the same two lines when they succeed, whatever number of
 * signals over K arrived:
 *   PATTERN: got SIGUSR1        (printed from the main loop, not the handler)
 *   handled>=K
 * and exit 0. At the deadline they print "PATTERN: TIMEOUT handled=N wanted K"
 * and exit 1. Nothing here is called from a handler.
 */
#ifndef SIGSTORM_CORPUS_H
#define SIGSTORM_CORPUS_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long `wait` mode waits for its K signals (self mode never gets near). */
#define CORPUS_DEADLINE_MS 3000

struct corpus_args {
  int self; /* 1: self mode, 0: wait mode */
  int want; /* K */
};

static inline struct corpus_args corpus_parse(int argc, char **argv) {
  struct corpus_args a = {1, 5};
  if (argc > 1) {
    if (strcmp(argv[1], "self") == 0) a.self = 1;
    else if (strcmp(argv[1], "wait") == 0) a.self = 0;
    else {
      fprintf(stderr, "usage: %s self|wait [K]\n", argv[0]);
      exit(2);
    }
  }
  if (argc > 2) a.want = atoi(argv[2]);
  if (a.want < 1) {
    fprintf(stderr, "usage: %s self|wait [K]  (K >= 1)\n", argv[0]);
    exit(2);
  }
  return a;
}

static inline long long corpus_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Main-loop side: the result lines, and the exit status. */
static inline int corpus_finish(const char *pattern, long handled, int want) {
  if (handled >= want) {
    printf("%s: got SIGUSR1\n", pattern);
    printf("handled>=%d\n", want);
    fflush(stdout);
    return 0;
  }
  printf("%s: TIMEOUT handled=%ld wanted %d\n", pattern, handled, want);
  fflush(stdout);
  return 1;
}

/* Before tearing anything down: block SIGUSR1, so a storm that goes on
 * while the program exits stays pending (and is discarded at exit) instead
 * of meeting a handler a library has already reset to SIG_DFL. */
static inline void corpus_block_usr1(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

#endif
