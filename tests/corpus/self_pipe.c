/* Correct pattern: the self-pipe trick. The handler writes one byte to a
 * non-blocking pipe (saving and restoring errno: write may fail with
 * EAGAIN when the pipe is full), the main loop poll()s the read end and
 * drains it. The handler has SA_RESTART, as self-pipe programs usually do;
 * poll is never restarted, so the loop still retries on EINTR.
 *
 *   self_pipe self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "corpus.h"

static int pipefd[2];
static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  (void)sig;
  int saved = errno;
  handled++;
  char c = 'x';
  (void)!write(pipefd[1], &c, 1); /* EAGAIN when full: a wake-up is already pending */
  errno = saved;
}

int main(int argc, char **argv) {
  struct corpus_args a = corpus_parse(argc, argv);
  if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0) {
    perror("pipe2");
    return 3;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  long woken = 0;
  long long deadline = corpus_now_ms() + CORPUS_DEADLINE_MS;
  while (woken < a.want && corpus_now_ms() < deadline) {
    if (a.self) kill(getpid(), SIGUSR1);
    struct pollfd p = {pipefd[0], POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r == -1 && errno != EINTR) {
      perror("poll");
      return 3;
    }
    if (r > 0 && (p.revents & POLLIN)) {
      char buf[256];
      ssize_t n;
      while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n == -1 && errno == EINTR))
        if (n > 0) woken += n; /* one byte per handler run (fewer if the pipe was full) */
    }
  }
  corpus_block_usr1();
  return corpus_finish("self-pipe", woken, a.want);
}
