// fuzz_lock_hang: a handler that takes the lock the main loop holds.
//
// The SIGTERM handler flushes the log before the program stops; it takes
// the log's mutex to do so. The main loop holds that mutex while it writes a
// record. A SIGTERM in that window deadlocks: the handler waits for a lock
// its own thread holds. Only handler-hang is checked here (the mutex call is
// also an unsafe-call, which would be reported first): the harness's
// watchdog sees the handler run past hang_timeout_ms, the shim records where
// it is stuck, and the report ends the run (abort) so libFuzzer saves the
// input instead of timing out on it.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

namespace {

pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
int g_log = -1;

void on_term(int) {
  pthread_mutex_lock(&g_log_lock);  // BUG: the main loop may hold it
  (void)!write(g_log, "flushed\n", 8);
  pthread_mutex_unlock(&g_log_lock);
}

void scenario(const uint8_t* data, size_t size) {
  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  const int records = 1 + (size ? data[0] % 4 : 0);
  for (int i = 0; i < records; ++i) {
    (void)!write(g_log, "work\n", 5);
    pthread_mutex_lock(&g_log_lock);
    (void)!write(g_log, "record\n", 7);  // the window
    pthread_mutex_unlock(&g_log_lock);
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
  static const sigstorm::fuzz::Options options{
      .signals = {SIGTERM}, .checks = "handler-hang", .hang_timeout_ms = 300};
  return sigstorm::fuzz::run(data, size, options, scenario);
}
