// fuzz_two_handlers: two different bugs in one target, for crash triage.
//
// SIGUSR1's handler logs with strdup()+free() (unsafe-call: malloc); SIGUSR2's
// handler calls close() on a descriptor that may be gone and leaves errno
// changed (errno-clobber). Each ends the input with its own crash signature:
// the SUMMARY line and the top frames differ between the two bugs, and stay
// the same for one bug whichever call the signal interrupted
// (fuzz/signature_test checks both).
#include <fcntl.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

int g_null = -1;

// C names: the crash signature shows them as written.
extern "C" void on_usr1(int) {
  char* line = strdup("usr1: status\n");  // BUG: malloc in a handler
  (void)!write(g_null, line, std::strlen(line));
  free(line);
}

extern "C" void on_usr2(int) {
  close(-1);  // BUG: fails with EBADF and the handler does not restore errno
}

namespace {

void scenario(const uint8_t* data, size_t size) {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, nullptr);
  const size_t n = 4 + (size ? data[0] % 8 : 0);
  for (size_t i = 0; i < n; ++i) (void)!write(g_null, "x", 1);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  sigstorm::fuzz::init(argc, argv);
  g_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sigstorm::fuzz::Options options{.signals = {SIGUSR1, SIGUSR2}};
  return sigstorm::fuzz::run(data, size, options, scenario);
}
