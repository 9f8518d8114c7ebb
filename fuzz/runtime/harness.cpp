// The in-process harness behind <sigstorm/fuzz.h>.
//
// libsigstorm.so is preloaded (re-exec with LD_PRELOAD when it is not) and
// found through its `sigstorm_fuzz_*` C API. The run memory is an anonymous
// shared mapping holding a wire::Header, as a run file would: the shim
// records findings there, counts interleavings there, and reads the
// schedule's injections from its Config, which this file rewrites before
// every scenario. After the scenario: signal dispositions, the signal mask
// and the interval timer go back to what the fuzzer had, the interleaving
// counters go to libFuzzer (__libfuzzer_extra_counters), and an error
// finding is reported (engine: collect + text report) before abort().
#include "sigstorm/fuzz.h"

#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "inject/error.h"
#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/env_options.h"
#include "inject/report/collect.h"
#include "inject/report/suppress.h"
#include "inject/report/crash_signature.h"
#include "inject/options/functions.h"
#include "inject/wire/record_format.h"
#include "inject/report/report.h"
#include "inject/fuzz/schedule.h"
#include "inject/options/signals.h"
#include "inject/report/symbolize.h"
#include "inject/run/run_file.h"
#include "inject/run/watchdog.h"
#include "signature_frames.h"

// Interleaving coverage for libFuzzer: it reads this section after every
// input as extra coverage (one feature per counter bucket).
extern "C" {
__attribute__((section("__libfuzzer_extra_counters"), used, aligned(64)))
uint8_t sigstorm_fuzz_extra_counters[sigstorm::wire::kInterleavings];

// Sanitizer allocators (ASan, MSan, ...) replace malloc: the shim's malloc
// interposer is then never called, so their hooks tell the shim instead.
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, size_t),
                                              void (*free_hook)(const volatile void*)) __attribute__((weak));
}

namespace sigstorm::fuzz {
namespace {

struct Api {
  int (*attach)(void*, unsigned long) = nullptr;
  void (*begin)(const int*, int) = nullptr;
  unsigned long long (*end)() = nullptr;
  void (*call)(int) = nullptr;
};

Api g_api;
wire::Header* g_hdr = nullptr;
bool g_passthrough = false;  // the binary runs under `sigstorm run`: no harness of our own
std::once_flag g_init_once;
bool g_configured = false;
std::atomic<bool> g_in_scenario{false};
std::atomic<bool> g_reporting{false};
std::atomic<uint32_t> g_mark{0};  // records before this index belong to earlier inputs
uint64_t g_hang_ns = 2'000'000'000ull;
uint32_t g_checks = wire::kAllChecks;
wire::Policy g_policy = wire::kPolicyPosix;
bool g_warnings_are_errors = false;
bool g_verbose = false;
// From SIGSTORM_OPTIONS (apply_environment).
bool g_symbolize = true;
std::string g_color = "auto";
std::string g_log_path;
int g_verbosity = 0;
Suppressions g_suppressions;
bool g_exitcode_passed = false;  // exitcode= reached libFuzzer's command line
int g_malloc_id = -1;
int g_free_id = -1;
std::vector<int> g_foreign_tids;
uint64_t g_runs = 0;

void write_stderr(const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(STDERR_FILENO, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void fatal(const std::string& message) {
  write_stderr("sigstorm: fatal: " + message + "\n");
  _exit(1);
}

// A bad SIGSTORM_OPTIONS or Options: a usage error, worded and ended (exit
// status 2) as the CLI's.
[[noreturn]] void usage_error(const std::string& message) {
  write_stderr("sigstorm: error: " + message + "\n");
  _exit(2);
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

std::string find_shim() {
  if (const char* env = std::getenv("SIGSTORM_SHIM"); env && *env) return env;
  const std::string exe = self_exe();
  const std::string dir = exe.substr(0, exe.rfind('/'));
  for (const std::string& p : {dir + "/libsigstorm.so", dir + "/../lib/libsigstorm.so"})
    if (readable(p)) return p;
#ifdef SIGSTORM_FUZZ_SHIM
  if (readable(SIGSTORM_FUZZ_SHIM)) return SIGSTORM_FUZZ_SHIM;
#endif
  return {};
}

// Re-executes this binary with libsigstorm.so preloaded, unless it is.
void ensure_preloaded() {
  if (dlsym(RTLD_DEFAULT, "sigstorm_fuzz_attach")) return;
  std::string shim = find_shim();
  if (shim.empty()) fatal("libsigstorm.so not found: set SIGSTORM_SHIM to its path, or put it next to this binary");
  if (char real[PATH_MAX]; realpath(shim.c_str(), real)) shim = real;
  if (const char* mark = std::getenv("SIGSTORM_FUZZ_REEXEC"); mark && shim == mark)
    fatal("preloaded " + shim + " but its fuzz API (sigstorm_fuzz_attach) is missing: a libsigstorm.so from "
          "another sigstorm version?");
  std::string preload = shim;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv("SIGSTORM_FUZZ_REEXEC", shim.c_str(), 1);
  // The same command line, from the kernel's copy.
  std::string cmdline;
  if (FILE* f = std::fopen("/proc/self/cmdline", "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) cmdline.append(buf, n);
    std::fclose(f);
  }
  std::vector<std::string> args;
  for (size_t at = 0; at < cmdline.size();) {
    const size_t end = cmdline.find('\0', at);
    args.push_back(cmdline.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (args.empty()) args.push_back(self_exe());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  fatal(std::string("cannot re-execute with LD_PRELOAD=") + shim + ": " + std::strerror(errno));
}

template <class F>
void resolve(F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
  if (!slot) fatal(std::string("libsigstorm.so lacks ") + name + " (another sigstorm version?)");
}

void malloc_hook(const volatile void*, size_t) {
  if (g_api.call) g_api.call(g_malloc_id);
}
void free_hook(const volatile void*) {
  if (g_api.call) g_api.call(g_free_id);
}

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void sleep_ns(uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000ull), static_cast<long>(ns % 1'000'000'000ull)};
  syscall(SYS_nanosleep, &ts, nullptr);  // raw: never a call point
}

bool counts(const wire::Record& r) {
  const auto found = record_kind(r);
  if (!found) return false;
  const wire::Kind kind = *found;
  if (!(g_checks & wire::check_bit(kind))) return false;
  if (kind == wire::kUnsafeCall && r.function >= 0 && static_cast<size_t>(r.function) < functions().size() &&
      allowed_in_handler(functions()[r.function], g_policy))
    return false;
  return is_error(kind) || g_warnings_are_errors;
}

bool counts(const Finding& f) {
  if (!(g_checks & wire::check_bit(f.kind))) return false;
  if (f.kind == wire::kUnsafeCall && f.function) {
    if (auto idx = function_index(*f.function); idx && allowed_in_handler(functions()[*idx], g_policy))
      return false;
  }
  return is_error(f.kind) || g_warnings_are_errors;
}

// The report of this input's findings, then abort(): libFuzzer's SIGABRT
// This input's findings (a private copy of the run memory without the
// records of earlier inputs), symbolized, SIGSTORM_OPTIONS' suppressions
// applied.
Report this_input_report() {
  auto copy = std::unique_ptr<uint8_t[]>(new uint8_t[wire::kFileSize]);
  std::memcpy(copy.get(), g_hdr, wire::kFileSize);
  auto* h = reinterpret_cast<wire::Header*>(copy.get());
  const uint32_t mark = std::min(g_mark.load(), wire::kMaxRecords);
  for (uint32_t i = 0; i < mark; ++i) h->records[i].state.store(wire::kFree, std::memory_order_relaxed);
  Symbolizer symbolizer(g_symbolize);
  Report report = collect(*h, symbolizer);
  if (!g_suppressions.empty()) apply_suppressions(report, g_suppressions);
  report.verbosity = g_verbosity;
  return report;
}

// Every finding of this input that would end it is suppressed: the input
// passes (symbolizing is needed to know, so only with suppressions).
bool only_suppressed() {
  if (g_suppressions.empty()) return false;
  const Report report = this_input_report();
  for (const Finding& f : report.findings)
    if (counts(f) && !f.suppressed) return false;
  return true;
}

// handler saves the input as a crash file.
[[noreturn]] void report_and_abort(std::optional<Finding> extra) {
  if (g_reporting.exchange(true)) {
    for (;;) pause();  // another thread reports
  }
  Report report = this_input_report();
  std::vector<Finding> kept;
  for (Finding& f : report.findings) {
    if (!counts(f) || f.suppressed) continue;
    // Sanitizer runtimes between the handler and the call (ASan's
    // allocator and interceptors): noise in a handler's story.
    std::vector<StackFrame> stack;
    for (size_t i = 0; i < f.stack.size(); ++i) {
      const std::string fn = f.stack[i].function.value_or("");
      const bool runtime = fn.rfind("__asan::", 0) == 0 || fn.rfind("__sanitizer::", 0) == 0 ||
                           fn.rfind("__interceptor_", 0) == 0 || fn.rfind("__lsan::", 0) == 0 ||
                           fn.rfind("__msan::", 0) == 0 || fn.rfind("__ubsan::", 0) == 0;
      if (i == 0 || !runtime || f.stack[i].signal_frame) stack.push_back(std::move(f.stack[i]));
    }
    f.stack = std::move(stack);
    kept.push_back(std::move(f));
  }
  if (extra) kept.push_back(std::move(*extra));
  report.findings = std::move(kept);
  report.argv = {self_exe()};
  char cwd[PATH_MAX];
  const std::string base = getcwd(cwd, sizeof cwd) ? cwd : "";
  // The finding that ends the input first, as a sanitizer prints its
  // report (its stack, then SUMMARY), so that crash triage buckets this
  // finding apart from the target's other findings; then the whole report.
  std::string out;
  if (!report.findings.empty()) out = crash_block(report.findings.front(), base) + "\n";
  const char* no_color = std::getenv("NO_COLOR");
  const bool color = g_color == "always" || (g_color == "auto" && isatty(STDERR_FILENO) && !(no_color && *no_color));
  std::string text = write_text(report, base, color);
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size() - 1;
    std::string line = text.substr(at, nl + 1 - at);
    at = nl + 1;
    if (line.rfind("sigstorm: replay with:", 0) == 0) continue;  // a `sigstorm run` line: not this binary
    if (line.rfind("SUMMARY: ", 0) == 0) continue;               // one SUMMARY: the crash block's
    out += line;
  }
  std::string schedule;
  for (uint32_t i = 0; i < g_hdr->config.injection_count && i < wire::kMaxInjections; ++i)
    schedule += std::string(i ? " " : "") + g_hdr->config.injections[i].text;
  out += "sigstorm: schedule: " + (schedule.empty() ? std::string("(no injections)") : schedule) + "\n";
  out += "sigstorm: the fuzzer saves this input as a crash file; run the target on it to replay the schedule\n";
  // As ASan's log_path: the report goes to PATH.PID (stderr if that fails).
  const int log = g_log_path.empty() ? -1
                                     : ::open((g_log_path + "." + std::to_string(getpid())).c_str(),
                                              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log >= 0) {
    for (size_t at = 0; at < out.size();) {
      const ssize_t n = ::write(log, out.data() + at, out.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    ::close(log);
  } else {
    write_stderr(out);
  }
  if (report.findings.empty()) std::abort();
  const Finding& first = report.findings.front();
  abort_with_signature(first.kind, first.function ? function_index(*first.function).value_or(-1) : -1);
}

// The run's hang watchdog (inject/run/watchdog.h) on a thread of its own:
// a handler stuck longer than the hang timeout is probed (the shim records
// its stack), then reported, since the scenario would hang the fuzzer.
void watchdog_main() {
  HangWatchdog watchdog([] { return static_cast<const wire::Header*>(g_hdr); }, g_hang_ns, true,
                        [](const HangEvent& ev) {
                          std::optional<Finding> extra;
                          if (!ev.recorded)
                            extra = hang_finding_without_stack(ev.pid, ev.tid, ev.signal, std::nullopt, g_hang_ns);
                          report_and_abort(std::move(extra));
                        });
  for (;;) {
    sleep_ns(watchdog.interval_ns());
    if (g_in_scenario.load(std::memory_order_acquire)) watchdog.poll(now_ns(), g_mark.load());
  }
}

void attach() {
  ensure_preloaded();
  resolve(g_api.attach, "sigstorm_fuzz_attach");
  resolve(g_api.begin, "sigstorm_fuzz_begin");
  resolve(g_api.end, "sigstorm_fuzz_end");
  resolve(g_api.call, "sigstorm_fuzz_call");
  void* p = mmap(nullptr, wire::kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fatal(std::string("cannot map the run memory: ") + std::strerror(errno));
  // Anonymous memory is zeroed: a valid, empty Header (atomics included).
  auto* h = static_cast<wire::Header*>(p);
  h->magic = wire::kMagic;
  h->version = wire::kVersion;
  h->header_size = sizeof(wire::Header);
  // Every check on and the strict policy in the shim; Options filter later.
  h->config.checks = wire::kAllChecks;
  h->config.policy = wire::kPolicyPosix;
  h->config.hang_timeout_ns = g_hang_ns;
  h->config.time_scale = 1.0;
  h->config.cli_pid = getpid();  // the watchdog's probe comes from this process
  h->config.fuzz = wire::kFuzzCoverage;
  const int r = g_api.attach(h, wire::kFileSize);
  if (r == -1) {
    write_stderr("sigstorm: note: this fuzz target runs under `sigstorm run`: scenarios run without schedules\n");
    munmap(p, wire::kFileSize);
    g_passthrough = true;
    return;
  }
  if (r != 0) fatal("libsigstorm.so rejected the run memory (libsigstorm.so from another sigstorm build?)");
  g_hdr = h;
  g_verbose = std::getenv("SIGSTORM_FUZZ_VERBOSE") && *std::getenv("SIGSTORM_FUZZ_VERBOSE") == '1';
  g_malloc_id = function_index("malloc").value_or(-1);
  g_free_id = function_index("free").value_or(-1);
  if (__sanitizer_install_malloc_and_free_hooks) __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook);
  // The watchdog is born with every signal blocked: nothing lands there.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread(watchdog_main).detach();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

std::optional<int> parse_exitcode(const std::string& v) {
  if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int n = std::stoi(v);
  return n <= 255 ? std::optional<int>(n) : std::nullopt;
}

// exitcode=N becomes libFuzzer's -error_exitcode=N, the status of every crash
// it reports (this harness's abort() included), as ASAN_OPTIONS' exitcode
// sets the status of an ASan report in a fuzz target: libFuzzer reads its
// flags after LLVMFuzzerInitialize, which may change argv. An
// -error_exitcode on the command line wins (flags win over the
// environment). Inserted first: flags after -ignore_remaining_args=1 are not
// libFuzzer's.
void pass_exitcode(int* argc, char*** argv) {
  if (!argc || !argv || !*argv || *argc < 1) return;
  std::vector<EnvOption> env;
  try {
    env = parse_env_options(std::getenv("SIGSTORM_OPTIONS"));
  } catch (const Error&) {
    return;  // configure() says what is wrong
  }
  std::optional<int> code;
  for (const EnvOption& e : env)
    if (e.key == "exitcode") code = parse_exitcode(e.value);
  if (!code) return;
  g_exitcode_passed = true;
  for (int i = 1; i < *argc; ++i)
    if (std::strncmp((*argv)[i], "-error_exitcode=", 16) == 0) return;
  static std::vector<char*> args;  // libFuzzer keeps pointers into it
  static std::string flag;
  flag = "-error_exitcode=" + std::to_string(*code);
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + 1, flag.data());
  args.push_back(nullptr);
  *argv = args.data();
  ++*argc;
}

// SIGSTORM_OPTIONS wins over the Options the target was written with, as
// ASAN_OPTIONS wins over __asan_default_options: CI can tune a target
// without rebuilding it. Keys with no meaning in-process are left alone.
void apply_environment() {
  std::vector<EnvOption> env;
  try {
    env = parse_env_options(std::getenv("SIGSTORM_OPTIONS"));
  } catch (const Error& e) {
    usage_error(e.what());
  }
  for (const EnvOption& e : env) {
    const std::string where = "SIGSTORM_OPTIONS " + e.key + "='" + e.value + "': ";
    if (e.key == "help" && e.value != "0") {
      write_stderr(env_options_help());
    } else if (e.key == "checks") {
      ChecksResult c = parse_checks(e.value);
      if (!c.ok) usage_error(where + c.error);
      g_checks = c.mask;
    } else if (e.key == "policy") {
      auto policy = parse_policy(e.value);
      if (!policy) usage_error(where + "want posix or linux");
      g_policy = *policy;
    } else if (e.key == "hang_timeout") {
      auto ns = parse_duration(e.value);
      if (!ns || *ns == 0) usage_error(where + "not a duration (e.g. 500ms, 2s)");
      g_hang_ns = *ns;
    } else if (e.key == "symbolize") {
      if (e.value != "0" && e.value != "1") usage_error(where + "want 0 or 1");
      g_symbolize = e.value == "1";
    } else if (e.key == "color") {
      if (e.value != "auto" && e.value != "always" && e.value != "never") usage_error(where + "want auto, always or never");
      g_color = e.value;
    } else if (e.key == "verbosity") {
      if (e.value != "0" && e.value != "1") usage_error(where + "want 0 or 1");
      g_verbosity = e.value == "1";
    } else if (e.key == "log_path") {
      if (e.value.empty()) usage_error(where + "empty path");
      g_log_path = e.value;
    } else if (e.key == "exitcode") {
      // Applied by init(argc, argv); here only checked, and said when it
      // could not be applied.
      if (!parse_exitcode(e.value)) usage_error(where + "want a number from 0 to 255");
      if (!g_exitcode_passed)
        write_stderr("sigstorm: warning: " + where +
                     "not applied: call sigstorm::fuzz::init(argc, argv) in LLVMFuzzerInitialize\n");
    } else if (e.key == "suppressions") {
      try {
        g_suppressions = Suppressions::load({e.value});
      } catch (const Error& err) {
        usage_error(err.what());
      }
    }
  }
}

void configure(const Options& o) {
  if (g_configured) return;
  g_configured = true;
  if (o.signals.empty()) usage_error("sigstorm::fuzz::Options::signals is empty: name the signals your handlers take");
  for (int sig : o.signals)
    if (sig <= 0 || sig >= 65 || sig == SIGKILL || sig == SIGSTOP)
      usage_error("sigstorm::fuzz::Options::signals: " + std::to_string(sig) + " is not a signal a handler can take");
  if (!o.checks.empty()) {
    ChecksResult c = parse_checks(o.checks);
    if (!c.ok) usage_error("sigstorm::fuzz::Options::checks: " + c.error);
    g_checks = c.mask;
  }
  auto policy = parse_policy(o.policy);
  if (!policy) usage_error("sigstorm::fuzz::Options::policy: '" + o.policy + "' (want posix or linux)");
  g_policy = *policy;
  g_warnings_are_errors = o.warnings_are_errors;
  g_hang_ns = static_cast<uint64_t>(o.hang_timeout_ms ? o.hang_timeout_ms : 2000) * 1'000'000ull;
  apply_environment();
  if (g_hdr) {
    g_hdr->config.hang_timeout_ns = g_hang_ns;
    g_hdr->config.checks = g_checks;  // collect() keeps only these
    g_hdr->config.policy = g_policy;
    // A handler for a declared signal installed outside the scenario is
    // the fuzzer's as far as the shim can tell: say so, it is not checked.
    for (int sig : o.signals) {
      if (sig == SIGINT || sig == SIGTERM || sig == SIGALRM || sig == SIGUSR1 || sig == SIGUSR2 ||
          sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT || sig == SIGXFSZ)
        continue;  // libFuzzer's own
      struct sigaction now {};
      if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler != SIG_DFL && now.sa_handler != SIG_IGN)
        write_stderr("sigstorm: warning: a handler for " + signal_name(sig) +
                     " is installed outside the scenario: it counts as the fuzzer's own and is neither checked "
                     "nor sent injections; install handlers inside the scenario\n");
    }
  }
}

std::vector<int> other_threads() {
  std::vector<int> tids;
  const int self = static_cast<int>(syscall(SYS_gettid));
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      const int tid = std::atoi(e->d_name);
      if (tid > 0 && tid != self) tids.push_back(tid);
    }
    closedir(d);
  }
  return tids;
}

DecodeOptions decode_options(const Options& o) {
  DecodeOptions d;
  d.signals = o.signals;
  d.max_injections = o.max_injections;
  d.eintr = o.eintr;
  return d;
}

struct Saved {
  struct sigaction actions[65];
  bool have[65];
  sigset_t mask;
  itimerval timer;
};

void save(Saved& s) {
  pthread_sigmask(SIG_SETMASK, nullptr, &s.mask);
  getitimer(ITIMER_REAL, &s.timer);
  for (int sig = 1; sig < 65; ++sig) s.have[sig] = false;
}

void save_action(Saved& s, int sig) {
  if (sig <= 0 || sig >= 65 || s.have[sig]) return;
  s.have[sig] = sigaction(sig, nullptr, &s.actions[sig]) == 0;
}

// Back to the fuzzer's state: pending signals of the scenario dropped while
// everything is blocked, then dispositions, timer and mask restored.
void restore(Saved& s, uint64_t changed, const Options& o) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, nullptr);
  sigset_t pending;
  if (sigpending(&pending) == 0) {
    for (int sig = 1; sig < 65; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP || !sigismember(&pending, sig)) continue;
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, sig);
      const timespec zero{0, 0};
      while (sigtimedwait(&one, nullptr, &zero) == sig) {
      }
    }
  }
  for (int sig = 1; sig < 65; ++sig)
    if ((changed >> (sig - 1) & 1) && s.have[sig]) sigaction(sig, &s.actions[sig], nullptr);
  for (int sig : o.signals) {
    if (!s.have[sig]) continue;
    struct sigaction now {};
    if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler != s.actions[sig].sa_handler)
      sigaction(sig, &s.actions[sig], nullptr);
  }
  itimerval now{};
  if (getitimer(ITIMER_REAL, &now) == 0 && (now.it_interval.tv_sec != s.timer.it_interval.tv_sec ||
                                            now.it_interval.tv_usec != s.timer.it_interval.tv_usec ||
                                            (now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0) !=
                                                (s.timer.it_value.tv_sec == 0 && s.timer.it_value.tv_usec == 0)))
    setitimer(ITIMER_REAL, &s.timer, nullptr);
  pthread_sigmask(SIG_SETMASK, &s.mask, nullptr);
}

void export_coverage() {
  auto* src = reinterpret_cast<uint8_t*>(g_hdr->interleavings);
  std::memcpy(sigstorm_fuzz_extra_counters, src, wire::kInterleavings);
  std::memset(src, 0, wire::kInterleavings);
}

}  // namespace

void init(int* argc, char*** argv) {
  std::call_once(g_init_once, [&] {
    attach();
    pass_exitcode(argc, argv);
  });
}

std::vector<std::string> describe(const uint8_t* data, size_t size, const Options& options) {
  std::vector<std::string> out;
  for (const wire::Injection& inj : decode_schedule({data, size}, decode_options(options)).schedule)
    out.emplace_back(inj.text);
  return out;
}

int run(const uint8_t* data, size_t size, const Options& options, const Scenario& scenario) {
  init();
  configure(options);
  const Decoded d = decode_schedule({data, size}, decode_options(options));
  const uint8_t* rest = data + d.consumed;
  const size_t rest_size = size - d.consumed;
  if (g_passthrough || !g_hdr) {
    scenario(rest, rest_size);
    return 0;
  }
  wire::Config& c = g_hdr->config;
  c.injection_count = static_cast<uint32_t>(d.schedule.size());
  for (size_t i = 0; i < d.schedule.size(); ++i) c.injections[i] = d.schedule[i];
  if (g_verbose) {
    std::string line = "sigstorm: schedule:";
    for (const auto& inj : d.schedule) line += std::string(" ") + inj.text;
    write_stderr(line + (d.schedule.empty() ? " (no injections)\n" : "\n"));
  }
  const uint32_t nproc = std::min(g_hdr->next_process.load(), wire::kMaxProcesses);
  for (uint32_t p = 0; p < nproc; ++p)
    for (auto& f : g_hdr->processes[p].fired) f.store(0, std::memory_order_relaxed);
  if (g_runs++ % 256 == 0) g_foreign_tids = other_threads();

  Saved saved;
  save(saved);
  for (int sig = 1; sig < 65; ++sig) save_action(saved, sig);

  g_mark.store(std::min(g_hdr->next_record.load(), wire::kMaxRecords));
  g_in_scenario.store(true, std::memory_order_release);
  g_api.begin(g_foreign_tids.data(), static_cast<int>(g_foreign_tids.size()));
  scenario(rest, rest_size);
  const uint64_t changed = g_api.end();
  g_in_scenario.store(false, std::memory_order_release);
  restore(saved, changed, options);
  export_coverage();

  for (const wire::Record* r : ready_records(*g_hdr, g_mark.load()))
    if (counts(*r)) {
      if (only_suppressed()) break;
      report_and_abort(std::nullopt);
    }
  return 0;
}

}  // namespace sigstorm::fuzz
