/* Correct pattern: the handler leaves with siglongjmp() to a
 * sigsetjmp(env, 1) point, which restores the signal mask, so SIGUSR1 is
 * unblocked again after every jump. It jumps K times in a row: in self mode
 * with nothing but raise() between two jumps (no interposed call at all);
 * in wait mode from inside nanosleep(). Once K jumps were taken, SIGUSR1 is
 * blocked before main leaves the jump target's scope, so no signal can jump
 * into code that has moved on (and none lands in printf). Between the last
 * jump and that sigprocmask() the program makes no interposed call: a shim
 * that looks at the mask only at the next interposed call would see
 * SIGUSR1 blocked there, by the program itself, not by the jump.
 *
 *   siglongjmp_loop self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"

static sigjmp_buf env;
static volatile sig_atomic_t armed; /* env is valid */

static void on_usr1(int sig) {
  (void)sig;
  if (armed) siglongjmp(env, 1);
}

int main(int argc, char **argv) {
  struct corpus_args a = corpus_parse(argc, argv);
  volatile long jumps = 0;
  volatile int installed = 0;
  const long long deadline = corpus_now_ms() + CORPUS_DEADLINE_MS;

  if (sigsetjmp(env, 1) != 0) jumps++; /* back from the handler, mask restored */
  armed = 1;
  if (!installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    installed = 1;
  }
  if (jumps < a.want) {
    if (a.self) {
      raise(SIGUSR1); /* does not return: the handler jumps */
    } else {
      while (corpus_now_ms() < deadline) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL); /* a storm jumps out of here */
      }
    }
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now); /* each sigsetjmp(env, 1) restored the mask */
  int still_blocked = sigismember(&now, SIGUSR1);
  corpus_block_usr1();
  armed = 0;
  printf("siglongjmp: SIGUSR1 blocked after the jumps: %s\n", still_blocked ? "yes" : "no");
  return corpus_finish("siglongjmp", jumps, a.want);
}
