// Storm target: a flag-only SIGUSR1 handler while four worker threads and the
// main thread allocate, format and print. The output depends only on the
// work, never on the signals, so a run under a storm prints exactly what a
// bare run prints.
//
//   inj_storm [MIN_SIGNALS]
//
// With MIN_SIGNALS (under a storm), the threads keep repeating their last
// round (results discarded) until the handler has run MIN_SIGNALS times, so
// the signals really land while they allocate, however slow or fast the
// machine is. Without it (bare), they do the fixed work only. A storm that
// never delivers MIN_SIGNALS ends after 20 s with a line on stderr.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kWorkers = 4, kRounds = 300, kAllocs = 64 };

static volatile sig_atomic_t flag;
static volatile sig_atomic_t count;  // only this thread's increments race; fine for a floor
static void on_usr1(int sig) {
  flag = 1;
  count++;
}

static long min_signals;
static uint64_t deadline_ns;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// One round: allocate kAllocs blocks of pseudo-random sizes, format into
// them, fold them into a checksum, free them.
static uint64_t round_of_work(uint64_t seed) {
  char *blocks[kAllocs];
  uint64_t x = seed, sum = 0;
  for (int i = 0; i < kAllocs; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t n = 16 + (size_t)(x >> 54);  // 16..1039 bytes
    blocks[i] = malloc(n);
    if (!blocks[i]) abort();
    snprintf(blocks[i], n, "block %d of round %llu", i, (unsigned long long)(seed % 1000));
    for (size_t j = 0; blocks[i][j]; ++j) sum = sum * 31 + (unsigned char)blocks[i][j];
  }
  for (int i = kAllocs - 1; i >= 0; --i) free(blocks[i]);
  return sum ^ x;
}

static int storm_wanted(void) {
  if (count >= min_signals) return 0;
  if (now_ns() > deadline_ns) return 0;
  return 1;
}

struct Worker {
  int id;
  uint64_t sum;
  char *text;  // the worker's report, built with malloc'd buffers
};

static void *worker(void *arg) {
  struct Worker *w = arg;
  uint64_t sum = 0;
  for (int r = 0; r < kRounds; ++r) sum += round_of_work((uint64_t)w->id * 100000 + (uint64_t)r);
  while (storm_wanted()) round_of_work((uint64_t)w->id * 100000 + kRounds - 1);  // discarded
  w->sum = sum;
  size_t n = 128;
  w->text = malloc(n);
  snprintf(w->text, n, "worker %d: %d rounds, checksum %016llx", w->id, kRounds, (unsigned long long)sum);
  return NULL;
}

// In a constructor: a storm counts from the start of the process.
__attribute__((constructor)) static void install(void) {
  signal(SIGUSR1, on_usr1);  // glibc: SA_RESTART, as most programs get it
}

int main(int argc, char **argv) {
  min_signals = argc > 1 ? atol(argv[1]) : 0;
  deadline_ns = now_ns() + 20000000000ull;

  pthread_t t[kWorkers];
  struct Worker w[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    w[i].id = i + 1;
    if (pthread_create(&t[i], NULL, worker, &w[i]) != 0) return 1;
  }
  // The main thread (an injection's default target) prints as it works.
  for (int r = 0; r < kRounds; ++r) {
    uint64_t s = round_of_work((uint64_t)r);
    if (r % 10 == 0) printf("main round %d: %016llx\n", r, (unsigned long long)s);
  }
  while (storm_wanted()) {
    round_of_work(kRounds - 1);
    printf("%s", "");  // a stdio call too, as the storm goes on
  }
  for (int i = 0; i < kWorkers; ++i) {
    pthread_join(t[i], NULL);
    printf("%s\n", w[i].text);
    free(w[i].text);
  }
  if (min_signals && count < min_signals)
    fprintf(stderr, "inj_storm: only %d of %ld signals arrived in 20 s\n", (int)count, min_signals);
  return 0;
}
