/* Correct pattern: libevent's evsignal_new() / event_base_dispatch().
 * libevent's own handler writes to an internal socketpair (saving errno);
 * the callback runs from the event loop, outside any handler. The loop
 * breaks after K callbacks (or at a timer's deadline).
 *
 *   libevent_signal self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <event2/event.h>
#include <signal.h>
#include <unistd.h>

#include "corpus.h"

struct state {
  struct event_base *base;
  struct corpus_args args;
  long handled;
};

static void on_usr1(evutil_socket_t sig, short what, void *data) { /* event loop */
  struct state *s = data;
  s->handled++;
  if (s->handled >= s->args.want) {
    corpus_block_usr1();
    event_base_loopbreak(s->base);
  } else if (s->args.self) {
    kill(getpid(), SIGUSR1);
  }
}

static void on_deadline(evutil_socket_t fd, short what, void *data) {
  struct state *s = data;
  corpus_block_usr1();
  event_base_loopbreak(s->base);
}

int main(int argc, char **argv) {
  struct state s = {NULL, corpus_parse(argc, argv), 0};
  s.base = event_base_new();
  if (!s.base) {
    fprintf(stderr, "event_base_new failed\n");
    return 3;
  }
  struct event *sig = evsignal_new(s.base, SIGUSR1, on_usr1, &s);
  event_add(sig, NULL);
  struct event *deadline = evtimer_new(s.base, on_deadline, &s);
  struct timeval tv = {CORPUS_DEADLINE_MS / 1000, (CORPUS_DEADLINE_MS % 1000) * 1000};
  evtimer_add(deadline, &tv);
  if (s.args.self) kill(getpid(), SIGUSR1); /* caught now, dispatched by the loop */
  event_base_dispatch(s.base);
  /* SIGUSR1 is blocked (on_usr1 / on_deadline): freeing the event puts back
   * SIG_DFL, and a storm that goes on must not meet it. */
  event_free(deadline);
  event_free(sig);
  event_base_free(s.base);
  return corpus_finish("libevent", s.handled, s.args.want);
}
