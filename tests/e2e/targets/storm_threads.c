// A storm target: four threads allocate and free while a handler counts
// signals. Prints deterministic work totals, then the signal count on stderr
// (which varies with the machine's speed).
//   storm_threads SECONDS        flag-only handler: nothing to report
//   storm_threads SECONDS rand   the handler also calls rand(), not
//                                async-signal-safe: one finding per signal
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_handled;
static int g_rand;
static void on_signal(int sig) {
  (void)sig;
  __atomic_fetch_add(&g_handled, 1, __ATOMIC_RELAXED);  // handlers run on four threads at once
  if (g_rand) (void)rand();  // the workers never call rand: no deadlock, just a finding
}

static double g_seconds = 1.0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void* worker(void* arg) {
  long id = (long)arg;
  unsigned long rounds = 0;
  double end = now() + g_seconds;
  while (now() < end) {
    for (int i = 0; i < 1000; ++i) {
      char* p = malloc(64 + (size_t)(i % 7) * 16);
      memset(p, (int)id, 64);
      free(p);
    }
    rounds++;
  }
  return (void*)rounds;
}

int main(int argc, char** argv) {
  if (argc > 1) g_seconds = atof(argv[1]);
  g_rand = argc > 2 && strcmp(argv[2], "rand") == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, NULL);
  pthread_t t[4];
  for (long i = 0; i < 4; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
  unsigned long total = 0;
  for (int i = 0; i < 4; ++i) {
    void* rounds;
    pthread_join(t[i], &rounds);
    total += (unsigned long)rounds;
  }
  // Only this thread is left: blocking the signal here makes the count final.
  sigset_t urg;
  sigemptyset(&urg);
  sigaddset(&urg, SIGURG);
  sigprocmask(SIG_BLOCK, &urg, NULL);
  printf("workers=4 done=%s\n", total > 0 ? "yes" : "no");
  fprintf(stderr, "handled=%d rounds=%lu\n", (int)g_handled, total);
  return 0;
}
