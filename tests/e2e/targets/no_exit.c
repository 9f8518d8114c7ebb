// no_exit MODE: SIGTERM sets a flag.
//   ignores   the main loop never looks at it, and a worker thread runs on
//             (the server that ignores SIGTERM)
//   exits     the main loop ends on it: the program exits in time
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static void* worker(void* arg) {
  (void)arg;
  for (;;) sleep(1);  // @line:worker-sleep
  return NULL;
}

int main(int argc, char** argv) {
  const int ignores = argc > 1 && !strcmp(argv[1], "ignores");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  if (ignores) {
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);  // @line:main-join
  }
  while (!stop) pause();
  printf("stopped\n");
  return 0;
}
