/* Correct pattern: GLib's g_unix_signal_add(). GLib's own handler only sets
 * a flag and wakes the main context; the callback runs from the GMainLoop,
 * outside any handler, and may call anything. The loop quits after K
 * callbacks (or at a timeout source's deadline).
 *
 *   glib_unix_signal self|wait K      (see corpus.h)
 */
#define _GNU_SOURCE
#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <unistd.h>

#include "corpus.h"

struct state {
  GMainLoop *loop;
  struct corpus_args args;
  long handled;
};

static gboolean on_usr1(gpointer data) { /* main loop, not the handler */
  struct state *s = data;
  s->handled++;
  if (s->handled >= s->args.want) {
    corpus_block_usr1();
    g_main_loop_quit(s->loop);
  } else if (s->args.self) {
    kill(getpid(), SIGUSR1); /* the next one */
  }
  return G_SOURCE_CONTINUE; /* keep GLib's handler installed until exit */
}

static gboolean send_first(gpointer data) {
  kill(getpid(), SIGUSR1);
  return G_SOURCE_REMOVE;
}

static gboolean on_deadline(gpointer data) {
  struct state *s = data;
  corpus_block_usr1();
  g_main_loop_quit(s->loop);
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
  struct state s = {NULL, corpus_parse(argc, argv), 0};
  s.loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGUSR1, on_usr1, &s);
  g_timeout_add(CORPUS_DEADLINE_MS, on_deadline, &s);
  if (s.args.self) g_idle_add(send_first, NULL);
  g_main_loop_run(s.loop);
  return corpus_finish("glib", s.handled, s.args.want);
}
