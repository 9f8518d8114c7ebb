// fuzz_handlers_ok: the three example scenarios, fixed. The harness must
// find nothing here: no false positive from the harness itself, from
// libFuzzer's own handlers, or from the scenarios' correct handlers.
//  - status: the handler only write(2)s fixed lines and keeps errno;
//  - job list: push() blocks SIGUSR1 while it links a job;
//  - read loop: EINTR means "try again".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sigstorm/fuzz.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int g_log = -1;

void on_status(int) {
  const int saved = errno;
  static const char line[] = "status\n";
  (void)!write(g_log, line, sizeof line - 1);
  errno = saved;
}

struct Job {
  int id;
  Job* next;
};
Job g_pool[16];
Job* volatile g_head;
int g_cancelled[16];
volatile sig_atomic_t g_ncancelled;

void on_cancel(int) {
  Job* j = g_head;
  if (!j) return;
  g_head = j->next;
  g_cancelled[g_ncancelled] = j->id;
  g_ncancelled = g_ncancelled + 1;
}

void push(Job* j) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, &old);
  j->next = g_head;
  (void)!write(g_log, "queued\n", 7);
  g_head = j;
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

volatile sig_atomic_t g_reload;
void on_hup(int) { g_reload = 1; }

size_t read_message(int fd, char* buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    const ssize_t n = read(fd, buf + got, cap - got < 8 ? cap - got : 8);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

void scenario(const uint8_t* data, size_t size) {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_status;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = on_cancel;
  sigaction(SIGUSR2, &sa, nullptr);
  sa.sa_handler = on_hup;
  sa.sa_flags = 0;
  sigaction(SIGHUP, &sa, nullptr);

  void* items[8];
  const size_t n = 2 + (size ? data[0] % 6 : 0);
  for (size_t i = 0; i < n; ++i) items[i] = malloc(16 + i);
  for (size_t i = 0; i < n; ++i) free(items[i]);

  g_head = nullptr;
  g_ncancelled = 0;
  const int jobs = 2 + (size > 1 ? data[1] % 6 : 0);
  for (int i = 0; i < jobs; ++i) {
    g_pool[i].id = i;
    push(&g_pool[i]);
  }
  int seen[16] = {};
  for (Job* j = g_head; j; j = j->next) seen[j->id]++;
  for (int k = 0; k < g_ncancelled; ++k) seen[g_cancelled[k]]++;
  for (int i = 0; i < jobs; ++i)
    if (seen[i] != 1) std::abort();

  char message[64];
  const size_t len = 16 + (size > 2 ? data[2] % 48 : 0);
  for (size_t i = 0; i < len; ++i) message[i] = static_cast<char>('a' + i % 26);
  int fds[2];
  if (pipe(fds) != 0) return;
  for (size_t put = 0; put < len;) {  // an interrupted write is retried too
    const ssize_t n = write(fds[1], message + put, len - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();
    put += static_cast<size_t>(n);
  }
  close(fds[1]);
  char got[64];
  const size_t m = read_message(fds[0], got, sizeof got);
  close(fds[0]);
  if (m != len || std::memcmp(got, message, len) != 0) std::abort();
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
  static const sigstorm::fuzz::Options options{.signals = {SIGUSR1, SIGUSR2, SIGHUP}};
  return sigstorm::fuzz::run(data, size, options, scenario);
}
