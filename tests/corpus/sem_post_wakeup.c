/* Correct pattern: the handler's only work is sem_post(), which is
 * async-signal-safe; the main thread sem_wait()s and retries on EINTR.
 * The wait-mode deadline is an alarm() whose handler posts too (no race:
 * a post is never lost, unlike a flag checked before pause()).
 *
 *   sem_post_wakeup self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include "corpus.h"

static sem_t sem;
static volatile sig_atomic_t handled;
static volatile sig_atomic_t timed_out;

static void on_usr1(int sig) {
  (void)sig;
  handled++;
  sem_post(&sem); /* async-signal-safe; does not touch errno on success */
}

static void on_alrm(int sig) {
  (void)sig;
  timed_out = 1;
  sem_post(&sem);
}

int main(int argc, char **argv) {
  struct corpus_args a = corpus_parse(argc, argv);
  sem_init(&sem, 0, 0);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: sem_wait fails with EINTR, and we retry */
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_alrm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(CORPUS_DEADLINE_MS / 1000);

  long woken = 0;
  while (woken < a.want && !timed_out) {
    if (a.self) kill(getpid(), SIGUSR1);
    while (sem_wait(&sem) == -1 && errno == EINTR) {
    }
    if (!timed_out) woken++;
  }
  corpus_block_usr1();
  alarm(0);
  long h = handled;
  return corpus_finish("sem_post", woken < h ? woken : h, a.want);
}
