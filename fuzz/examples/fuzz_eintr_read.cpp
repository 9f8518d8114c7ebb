// fuzz_eintr_read: a read loop that mishandles EINTR.
//
// The program reloads its configuration on SIGHUP; the handler is a flag
// (correct), installed without SA_RESTART (also common: the main loop wants
// its poll() interrupted). But read_message() treats every read(2) that does
// not return data as the end of the message, so a SIGHUP that interrupts a
// read truncates the message. The harness makes an interrupted read fail
// with EINTR (mode=eintr) at the call the input picks; the scenario checks
// that the whole message arrived and aborts when it did not.
#include <fcntl.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

volatile sig_atomic_t g_reload;

void on_hup(int) { g_reload = 1; }

// BUG: n < 0 with errno == EINTR is not the end of the message.
size_t read_message(int fd, char* buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    const ssize_t n = read(fd, buf + got, cap - got < 8 ? cap - got : 8);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

void scenario(const uint8_t* data, size_t size) {
  struct sigaction sa {};
  sa.sa_handler = on_hup;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  sigaction(SIGHUP, &sa, nullptr);
  char message[64];
  const size_t len = 16 + (size ? data[0] % 48 : 0);
  for (size_t i = 0; i < len; ++i) message[i] = static_cast<char>('a' + i % 26);
  int fds[2];
  if (pipe(fds) != 0) return;
  (void)!write(fds[1], message, len);
  close(fds[1]);
  char got[64];
  const size_t n = read_message(fds[0], got, sizeof got);
  close(fds[0]);
  if (n != len || std::memcmp(got, message, len) != 0) {
    std::fprintf(stderr, "eintr_read: read %zu of %zu bytes\n", n, len);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  sigstorm::fuzz::init(argc, argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sigstorm::fuzz::Options options{.signals = {SIGHUP}};
  return sigstorm::fuzz::run(data, size, options, scenario);
}
