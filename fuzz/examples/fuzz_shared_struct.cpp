// fuzz_shared_struct: a handler and the main thread update one list.
//
// The main loop queues jobs on a singly linked list; the SIGUSR1 handler
// ("cancel the newest job") unlinks the head and files it as cancelled.
// Neither uses a lock (a handler cannot) and the main loop does not block
// the signal while it links a job: push() reads the head, logs with
// write(2), then publishes the new head. A SIGUSR1 in that window unlinks
// a job that push() then links back: the job ends up both queued and
// cancelled. Every call is async-signal-safe, so no check fires; the
// scenario's own invariant does (abort), and the interleaving coverage is
// what steers libFuzzer to the window.
#include <fcntl.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {

struct Job {
  int id;
  Job* next;
};

Job g_pool[16];
Job* volatile g_head;
int g_cancelled[16];
volatile sig_atomic_t g_ncancelled;
int g_log = -1;

void push(Job* j) {
  j->next = g_head;                     // reads the head...
  (void)!write(g_log, "queued\n", 7);   // ...an interposed call: the window...
  g_head = j;                           // ...publishes over a concurrent pop. BUG
}

void on_cancel(int) {
  Job* j = g_head;
  if (!j) return;
  g_head = j->next;
  g_cancelled[g_ncancelled] = j->id;
  g_ncancelled = g_ncancelled + 1;
}

void scenario(const uint8_t* data, size_t size) {
  g_head = nullptr;
  g_ncancelled = 0;
  struct sigaction sa {};
  sa.sa_handler = on_cancel;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);
  const int jobs = 2 + (size ? data[0] % 6 : 0);
  for (int i = 0; i < jobs; ++i) {
    g_pool[i].id = i;
    push(&g_pool[i]);
  }
  // Invariant: every job is queued or cancelled, never both.
  int seen[16] = {};
  for (Job* j = g_head; j; j = j->next) seen[j->id]++;
  for (int k = 0; k < g_ncancelled; ++k) seen[g_cancelled[k]]++;
  for (int i = 0; i < jobs; ++i) {
    if (seen[i] != 1) {
      std::fprintf(stderr, "shared_struct: job %d is %s\n", i, seen[i] ? "both queued and cancelled" : "lost");
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  sigstorm::fuzz::init(argc, argv);
  // One-time setup here, not in the scenario: the same input must make the
  // same interposed calls every time it runs (call:* counts them).
  g_log = open("/dev/null", O_WRONLY | O_CLOEXEC);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sigstorm::fuzz::Options options{.signals = {SIGUSR1}};
  return sigstorm::fuzz::run(data, size, options, scenario);
}
