// fuzz_malloc_race: a handler that races the main loop's malloc.
//
// The SIGUSR1 "status" handler is careful most of the time (write(2) of a
// fixed line), but while a batch is being built it logs the batch's size
// with strdup()+free(): malloc from a handler. If the signal lands while the
// main loop is inside malloc (the batch builder allocates for every item),
// the handler re-enters the allocator: heap corruption or a deadlock. The
// harness decodes from the input where SIGUSR1 lands; sigstorm reports the
// handler's malloc as unsafe-call (with the interrupted malloc under
// "<signal handler called>") and aborts, so libFuzzer saves the input.
#include <fcntl.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

volatile sig_atomic_t g_building;
volatile sig_atomic_t g_items;
int g_log = -1;

void on_status(int) {
  if (g_building && g_items > 2) {
    char* line = strdup("status: building a batch\n");  // BUG: malloc in a handler
    (void)!write(g_log, line, std::strlen(line));
    free(line);                                          // BUG: free in a handler
    return;
  }
  static const char idle[] = "status: idle\n";
  (void)!write(g_log, idle, sizeof idle - 1);
}

void scenario(const uint8_t* data, size_t size) {
  struct sigaction sa {};
  sa.sa_handler = on_status;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  // A batch per input byte (at least one): items allocated, then freed.
  const size_t batches = size ? (size > 4 ? 4 : size) : 1;
  for (size_t b = 0; b < batches; ++b) {
    void* items[8];
    const size_t n = 2 + (size ? data[b] % 6 : 2);
    g_building = 1;
    for (size_t i = 0; i < n; ++i) {
      g_items = static_cast<sig_atomic_t>(i);
      items[i] = malloc(16 + i);
    }
    g_building = 0;
    for (size_t i = 0; i < n; ++i) free(items[i]);
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
