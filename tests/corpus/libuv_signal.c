/* Correct pattern: libuv's uv_signal_start(). libuv's own handler writes to
 * an internal pipe (saving errno); the callback runs from the loop, outside
 * any handler. It stops after K callbacks (or at a timer's deadline).
 *
 *   libuv_signal self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include "corpus.h"

static struct corpus_args args;
static long handled;
static uv_signal_t sig;
static uv_timer_t deadline;

static void stop_all(void) {
  corpus_block_usr1(); /* uv_signal_stop puts back SIG_DFL: a storm must not meet it */
  uv_signal_stop(&sig);
  uv_timer_stop(&deadline);
  uv_close((uv_handle_t *)&sig, NULL);
  uv_close((uv_handle_t *)&deadline, NULL);
}

static void on_usr1(uv_signal_t *h, int signum) { /* loop, not the handler */
  handled++;
  if (handled >= args.want) stop_all();
  else if (args.self) uv_kill(getpid(), SIGUSR1);
}

static void on_deadline(uv_timer_t *t) { stop_all(); }

int main(int argc, char **argv) {
  args = corpus_parse(argc, argv);
  uv_loop_t *loop = uv_default_loop();
  uv_signal_init(loop, &sig);
  uv_signal_start(&sig, on_usr1, SIGUSR1);
  uv_timer_init(loop, &deadline);
  uv_timer_start(&deadline, on_deadline, CORPUS_DEADLINE_MS, 0);
  if (args.self) uv_kill(getpid(), SIGUSR1);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  return corpus_finish("libuv", handled, args.want);
}
