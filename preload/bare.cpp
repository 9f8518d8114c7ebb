// Bare LD_PRELOAD (preload/bare.h). Start-up runs before the program's
// constructors, with raw system calls only: the watcher is started by a raw
// clone twice (no pthread_atfork handler runs, nothing of the program's
// state is touched, and it is no child the program can see or reap), and
// nothing it used stays open. At exit the process asks the watcher for its
// report and waits for it (bounded), so that it comes before the shell's
// prompt; whatever happens after (or instead: _exit, exec of an unpreloaded
// program, SIGKILL) the watcher reports when it sees the pid gone.
#include "preload/bare.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "inject/wire/env_parse.h"
#include "preload/env.h"
#include "preload/recorder.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/table.h"

namespace sigstorm {


namespace {

// How long an exiting process waits for its report, and a starting one for
// the watcher (a loaded machine starts a C++ program slowly).
constexpr uint64_t kReportWaitNs = 5'000'000'000ull;
constexpr long kStartWaitSec = 10;
// The watcher's wake-up call: ignored by default, harmless should the pid be
// someone else's by then.
constexpr int kWakeSignal = SIGURG;

struct Key {
  const char* name;
  const char* value;
  const char* help;
};
constexpr Key kKeys[] = {
#define SIGSTORM_ENV_KEY(key, flag, value, help) {#key, value, help},
#include "inject/wire/env_keys.def"
#undef SIGSTORM_ENV_KEY
};

char* decimal(char* end, long v) {
  *--end = 0;
  do *--end = (char)('0' + v % 10);
  while ((v /= 10) > 0);
  return end;
}

void say(const char* a, size_t n) { sys::write(2, a, n); }
void say(const char* s) { say(s, __builtin_strlen(s)); }

[[noreturn]] void exit_now(int status) {
  for (;;) sys::call6(SYS_exit_group, status);
}

bool same(const char* a, size_t n, const char* b) {
  return __builtin_strlen(b) == n && __builtin_strncmp(a, b, n) == 0;
}

void print_keys() {
  say("sigstorm: SIGSTORM_OPTIONS keys (key=value, separated by ':' or spaces):\n");
  for (const Key& k : kKeys) {
    say("  ");
    say(k.name);
    say("=");
    say(k.value);
    say("  ");
    say(k.help);
    say("\n");
  }
}

// Keys only: what a value means is the engine's to say (the watcher, which
// also prints help=1). Returns whether help=1 was asked.
bool check_keys(const char* text) {
  bool help = false;
  if (!text) return false;
  size_t pos = 0;
  for (;;) {
    wire::EnvPair p{};
    const wire::EnvStep step = wire::next_env_pair(text, &pos, &p);
    if (step == wire::EnvStep::kEnd) return help;
    bool known = false;
    for (const Key& k : kKeys) known = known || same(p.key, p.key_len, k.name);
    if (step == wire::EnvStep::kPair && known) {
      if (same(p.key, p.key_len, "help")) help = !(p.value_len == 1 && p.value[0] == '0');
      continue;
    }
    // As the engine words it (inject/options/env_options.cpp).
    char digits[24];
    say("sigstorm: error: SIGSTORM_OPTIONS at character ");
    say(decimal(digits + sizeof digits, (long)p.offset + 1));
    if (step == wire::EnvStep::kUnterminatedQuote) {
      say(": ");
      say(p.key, p.key_len);
      say("=: unterminated quote\n");
    } else {
      say(step == wire::EnvStep::kNoEquals ? ": '" : ": unknown key '");
      say(p.key, p.key_len);
      say(step == wire::EnvStep::kNoEquals ? "' is not key=value (keys: " : "' (keys: ");
      for (const Key& k : kKeys) {
        if (&k != kKeys) say(", ");
        say(k.name);
      }
      say(step == wire::EnvStep::kNoEquals ? ")\n" : "; help=1 lists them)\n");
    }
    exit_now(2);
  }
}

size_t put(char* dst, size_t at, size_t cap, const char* src) {
  while (*src && at + 1 < cap) dst[at++] = *src++;
  dst[at] = 0;
  return at;
}

// $SIGSTORM_CLI, else ../bin/sigstorm beside this library (build and install
// trees alike).
bool find_cli(char* out, size_t cap) {
  if (const char* env = env_value("SIGSTORM_CLI"); env && *env) {
    put(out, 0, cap, env);
  } else {
    size_t n = put(out, 0, cap, g_env.shim_path);
    while (n > 0 && out[n - 1] != '/') --n;
    out[n] = 0;
    put(out, n, cap, "../bin/sigstorm");
  }
  return sys::call6(SYS_faccessat, AT_FDCWD, (long)out, X_OK) == 0;
}

// In the grandchild: becomes `sigstorm __watch 3 ROOT` with the socket as
// fd 3, /dev/null as stdin and stdout (it must not keep the program's pipes
// open: `prog | head`), stderr kept (the report goes there), no preload.
[[noreturn]] void exec_watcher(const char* cli, int sock, int root) {
  sys::call6(SYS_setsid);  // the terminal's ^C ends the program, not its report
  if (sock == 3) sys::call6(SYS_fcntl, 3, F_SETFD, 0);
  else sys::call6(SYS_dup3, sock, 3, 0);
  if (sys::call6(SYS_close_range, 4, ~0u, 0) != 0)
    for (int fd = 4; fd < 1024; ++fd) sys::close(fd);
  long null = sys::openat(AT_FDCWD, "/dev/null", O_RDWR);
  if (null >= 0) {
    sys::call6(SYS_dup3, null, 0, 0);
    sys::call6(SYS_dup3, null, 1, 0);
    // A program started with stderr closed: the socket may sit on 2, or
    // nothing; a report must not go into the run file opened there later.
    if (sock == 2 || sys::call6(SYS_fcntl, 2, F_GETFD) < 0) sys::call6(SYS_dup3, null, 2, 0);
    if (null > 3) sys::close((int)null);
  }
  sigset_t none;
  sigemptyset(&none);
  sys::sigprocmask(SIG_SETMASK, &none, nullptr);
  size_t out = 0;  // this is a copy of the program's memory: its environ may change
  for (char** e = environ; e && *e; ++e)
    if (__builtin_strncmp(*e, "LD_PRELOAD=", 11) != 0) environ[out++] = *e;
  if (environ) environ[out] = nullptr;
  char digits[24];
  const char* argv[] = {cli, "__watch", "3", decimal(digits + sizeof digits, root), nullptr};
  sys::call6(SYS_execve, (long)cli, (long)argv, (long)environ);
  exit_now(127);
}

long raw_fork() { return sys::call6(SYS_clone, 0 /* no exit signal: the program gets no SIGCHLD */, 0, 0, 0, 0); }

void warn_unchecked(const char* why, const char* what) {
  say("sigstorm: warning: ");
  say(why);
  say(what);
  say("; this program is not checked (set SIGSTORM_CLI, or run it under `sigstorm run`)\n");
}

}  // namespace

long bare_start() {
  // The in-process fuzz harness preloaded the shim itself: it reads
  // SIGSTORM_OPTIONS and reports.
  if (env_value("SIGSTORM_FUZZ_REEXEC")) return -1;
  const bool help = check_keys(env_value("SIGSTORM_OPTIONS"));
  char cli[1100];
  if (!find_cli(cli, sizeof cli)) {
    if (help) print_keys();
    warn_unchecked("no sigstorm CLI at ", cli);
    return -1;
  }
  int sv[2];
  if (sys::call6(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, (long)sv) != 0) return -1;
  const int root = sys::getpid();
  const long mid = raw_fork();
  if (mid == 0) {
    sys::close(sv[0]);
    if (raw_fork() == 0) exec_watcher(cli, sv[1], root);
    exit_now(0);  // the watcher is reparented: not the program's child
  }
  sys::close(sv[1]);
  if (mid > 0) {
    long r;
    do r = sys::call6(SYS_wait4, mid, 0, __WALL, 0);
    while (r == -EINTR);
  }
  // The watcher answers with the run file: 'o' PATH and its descriptor;
  // 'e' when SIGSTORM_OPTIONS has a bad value (it said which).
  const struct timeval limit = {kStartWaitSec, 0};
  sys::setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char msg_buf[1 + sizeof g_env.run_file];
  long n = -1;
  long fd = mid > 0 ? sys::recv_fd(sv[0], msg_buf, sizeof msg_buf - 1, &n) : -1;
  sys::close(sv[0]);
  if (n > 0 && msg_buf[0] == 'e') exit_now(2);
  if (n <= 1 || msg_buf[0] != 'o' || fd < 0) {
    if (fd >= 0) sys::close((int)fd);
    warn_unchecked("the watcher did not start: ", cli);
    return -1;
  }
  msg_buf[n] = 0;
  put(g_env.run_file, put(g_env.run_file, 0, sizeof g_env.run_file, "SIGSTORM_RUN_FILE="), sizeof g_env.run_file,
      msg_buf + 1);
  return fd;
}

namespace {

long futex(std::atomic<uint32_t>* word, int op, uint32_t val, const struct timespec* ts) {
  return sys::call6(SYS_futex, (long)word, op, val, (long)ts);
}

// Asks the watcher for this process's report and waits until it is out.
// Returns the report's state (kReportNone when nobody answered).
uint32_t ask_report() {
  wire::Header* run = g_run;
  wire::Process* p = g_process;
  if (!run || !(run->config.flags & wire::kBare) || !p || in_borrowed_memory()) return wire::kReportNone;
  if (!run->watching.load(std::memory_order_acquire)) return wire::kReportNone;
  p->report.store(wire::kReportAsked, std::memory_order_release);
  sys::kill(run->config.cli_pid, kWakeSignal);
  const uint64_t deadline = sys::now_ns() + kReportWaitNs;
  uint32_t state;
  while ((state = p->report.load(std::memory_order_acquire)) == wire::kReportAsked) {
    const uint64_t now = sys::now_ns();
    if (now >= deadline || !run->watching.load(std::memory_order_acquire)) break;
    if (sys::kill(run->config.cli_pid, 0) == -ESRCH) break;  // the watcher died without a word
    // Short slices: either of the above may change while we wait.
    const uint64_t left = deadline - now < 100'000'000ull ? deadline - now : 100'000'000ull;
    const struct timespec ts = {0, (long)left};
    futex(&p->report, FUTEX_WAIT, wire::kReportAsked, &ts);
  }
  return state;
}

}  // namespace

void bare_before_death() { ask_report(); }

int bare_exit_status(int status) {
  if (ask_report() != wire::kReportDoneErrors || g_run->config.bare_exitcode < 0) return status;
  return g_run->config.bare_exitcode;
}

namespace {

// exit() and a return from main: after the program's atexit handlers and
// destructors (the shim was initialised first, so it is finalised last).
__attribute__((destructor)) void bare_at_exit() {
  const int status = bare_exit_status(-1);
  if (status < 0) return;
  // SIGSTORM_OPTIONS exitcode: what exit() still had to do is flush stdio.
  if (auto flush = real::fflush) flush(nullptr);
  exit_now(status);
}

}  // namespace
}  // namespace sigstorm
