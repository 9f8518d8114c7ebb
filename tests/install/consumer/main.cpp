// A program built against an installed sigstorm (find_package or
// pkg-config): uses <sigstorm/fuzz.h> without libFuzzer.
//   consumer describe   prints the schedule a fixed input decodes to
//   consumer init       preloads the shim (re-exec) and attaches to it
//   consumer bug        runs a scenario whose SIGUSR1 handler calls malloc
//                       under a schedule that sends SIGUSR1 at the 4th
//                       interposed call: the harness reports and aborts
#include <sigstorm/fuzz.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile void* g_sink;

void on_usr1(int) {
  void* p = std::malloc(64);  // the bug: malloc is not async-signal-safe
  g_sink = p;
  std::free(p);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "describe";
  sigstorm::fuzz::Options options;
  options.signals = {SIGUSR1};
  // One injection: signals[0] at call:*, k = 1 + 3.
  const uint8_t input[] = {1, 0, 0, 3, 0};
  if (mode == "describe") {
    for (const std::string& spec : sigstorm::fuzz::describe(input, sizeof input, options))
      std::printf("%s\n", spec.c_str());
    return 0;
  }
  if (mode == "init") {
    sigstorm::fuzz::init(&argc, &argv);
    std::printf("attached\n");
    return 0;
  }
  if (mode == "bug") {
    sigstorm::fuzz::init(&argc, &argv);
    const int fd = open("/dev/null", O_WRONLY);
    sigstorm::fuzz::run(input, sizeof input, options, [fd](const uint8_t*, size_t) {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_usr1;
      sigaction(SIGUSR1, &sa, nullptr);
      for (int i = 0; i < 16; ++i)
        if (write(fd, "x", 1) < 0) std::_Exit(3);
      signal(SIGUSR1, SIG_DFL);
    });
    std::printf("no finding\n");
    return 0;
  }
  std::fprintf(stderr, "usage: %s describe|init|bug\n", argv[0]);
  return 2;
}
