/* Correct pattern: SIGUSR1 is blocked everywhere except inside ppoll(),
 * which atomically unblocks it while it waits; the handler only sets a
 * flag, and the main loop acts on the flag after ppoll fails with EINTR.
 * No signal can slip in between "check the flag" and "wait".
 *
 *   ppoll_wait self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#include "corpus.h"

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) {
  (void)sig;
  got_usr1 = 1;
}

int main(int argc, char **argv) {
  struct corpus_args a = corpus_parse(argc, argv);

  sigset_t block, during;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &during); /* during: the mask without SIGUSR1 */
  sigdelset(&during, SIGUSR1);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  long handled = 0;
  long long deadline = corpus_now_ms() + CORPUS_DEADLINE_MS;
  while (handled < a.want && corpus_now_ms() < deadline) {
    if (a.self) kill(getpid(), SIGUSR1); /* stays pending until ppoll */
    struct timespec tick = {0, 100 * 1000 * 1000};
    int r = ppoll(NULL, 0, &tick, &during);
    if (r == -1 && errno != EINTR) {
      perror("ppoll");
      return 3;
    }
    if (got_usr1) { /* SIGUSR1 is blocked again here: no race with the handler */
      got_usr1 = 0;
      handled++;
    }
  }
  return corpus_finish("ppoll", handled, a.want);
}
