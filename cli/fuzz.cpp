// `sigstorm fuzz`: whole-program schedule search.
//
//  1. A first run with every call point counting its hits (Config::fuzz
//     kFuzzArmAll) learns which interposed functions the program reaches,
//     how often, and which signals it has handlers for.
//  2. Then runs with schedules drawn from those points (ScheduleGen); a run
//     whose handlers interrupted something new (Header::interleavings, or a
//     new call point or hit count) joins the corpus, whose schedules are
//     mutated further. --jobs N programs run at once.
//  3. The first error finding stops the search: the schedule is minimized
//     with plain `sigstorm run` semantics (no fuzz flags) and one line that
//     reproduces it goes to stdout; the report of that run goes to stderr
//     (or --report).
#include "cli/fuzz.h"
#include "cli/launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/run.h"
#include "inject/options/checks.h"
#include "inject/report/collect.h"
#include "inject/options/duration.h"
#include "inject/error.h"
#include "inject/options/number.h"
#include "inject/options/functions.h"
#include "inject/run/program.h"
#include "inject/run/run_file.h"
#include "inject/fuzz/schedule.h"
#include "inject/options/signals.h"
#include "inject/report/symbolize.h"
#include "inject/run/watchdog.h"

extern char** environ;

namespace sigstorm::cli {
namespace {

struct FuzzOptions {
  std::optional<std::string> max_time, runs, jobs, seed, signals, checks, hang_timeout, timeout, time_scale,
      report_path, format;
  std::string policy = "posix";
  std::string error_exitcode = "66";
  std::vector<std::string> command;
};
FuzzOptions g_opts;

constexpr const char* kFuzzFooter = R"(
Usage: sigstorm fuzz [OPTIONS] [--] PROGRAM [ARGS...]

Runs PROGRAM again and again (its stdin, stdout and stderr on /dev/null),
each time with a different injection schedule: signals it has handlers for,
delivered at interposed calls it was seen to make (call:FUNC,when=N, with
mode=eintr on blocking calls), or while one of its handlers runs. Schedules
that reach new interleavings (which handler interrupted which call site or
handler) are kept and mutated. On the first error finding the schedule is
minimized, the report goes to stderr and one line that reproduces it to
stdout:
  sigstorm run --seed N --inject SPEC ... -- PROGRAM ARGS

Progress (stderr), as libFuzzer prints it:
  #RUNS  NEW|pulse|DONE  ilv: interleavings seen  pts: call points reached
  corp: schedules kept  exec/s  findings  timeouts

Exit status: --error-exitcode (66) when an error finding was made, else 0;
130 when interrupted; 2 for a usage error.)";

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Signals a schedule may use by default: those with a handler, except the
// crash signals (their handlers are crash reporters) and the shim's probe.
bool injectable_by_default(int sig) {
  return sig > 0 && sig < 65 && sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS &&
         sig != SIGFPE && sig != SIGILL && sig != SIGABRT && sig != SIGRTMAX - wire::kProbeSignalFromMax;
}

// ---- one program run ----

struct Slot {
  explicit Slot(const wire::Config& c) : file(RunFile::create(c)) {}
  RunFile file;
  pid_t pid = 0;
  int exec_pipe = -1;
  uint64_t start_ns = 0;
  uint64_t deadline_ns = 0;
  bool timed_out = false;
  int status = 0;
  int exec_errno = 0;
  Schedule schedule;
  std::unique_ptr<HangWatchdog> watchdog;
  std::vector<std::string> env;
};

struct Outcome {
  bool error = false;           // an error finding
  wire::Kind kind = wire::kUnsafeCall;
  std::string what;             // the function or handler, for messages
  bool timed_out = false;
  bool fired = false;           // an injection fired
  uint64_t elapsed_ns = 0;
};

wire::Header& header(Slot& s) { return const_cast<wire::Header&>(s.file.read()); }

// Back to an empty run (modules stay: the same files get the same indexes).
void reset(wire::Header& h, const wire::Config& config) {
  const uint32_t nr = std::min(h.next_record.load(), wire::kMaxRecords);
  for (uint32_t i = 0; i < nr; ++i) h.records[i].state.store(wire::kFree, std::memory_order_relaxed);
  h.next_record.store(0);
  const uint32_t np = std::min(h.next_process.load(), wire::kMaxProcesses);
  for (uint32_t i = 0; i < np; ++i) {
    wire::Process& p = h.processes[i];
    p.state.store(wire::kFree, std::memory_order_relaxed);
    for (auto& f : p.fired) f.store(0, std::memory_order_relaxed);
    for (auto& c : p.calls) c.store(0, std::memory_order_relaxed);
    p.started.store(0, std::memory_order_relaxed);
    p.expected_caught.store(0, std::memory_order_relaxed);
  }
  h.next_process.store(0);
  for (wire::Active& a : h.active) {
    a.since_ns.store(0, std::memory_order_relaxed);
    a.tid.store(0, std::memory_order_relaxed);
    a.function.store(-1, std::memory_order_relaxed);
  }
  h.dropped_records.store(0);
  h.dropped_processes.store(0);
  std::memset(reinterpret_cast<void*>(h.interleavings), 0, sizeof h.interleavings);
  h.config = config;
}

class Runner {
 public:
  Runner(std::string program, std::string path, std::vector<std::string> argv, std::string shim,
         wire::Config base, uint64_t hang_ns, bool hang_check)
      : program_(std::move(program)),
        path_(std::move(path)),
        argv_(std::move(argv)),
        shim_(std::move(shim)),
        base_(base),
        hang_ns_(hang_ns),
        hang_check_(hang_check) {
    sigemptyset(&waitset_);
    for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&waitset_, sig);
    sigprocmask(SIG_BLOCK, &waitset_, &orig_mask_);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, &old_chld_);
    null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  }
  ~Runner() {
    for (auto& s : slots_)
      if (s->pid > 0) stop(*s);
    sigaction(SIGCHLD, &old_chld_, nullptr);
    sigprocmask(SIG_SETMASK, &orig_mask_, nullptr);
    if (null_fd_ >= 0) ::close(null_fd_);
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void set_jobs(size_t n) {
    while (slots_.size() < n) {
      slots_.push_back(std::make_unique<Slot>(base_));
      slots_.back()->env = child_environment(shim_, slots_.back()->file.path());
    }
  }
  size_t jobs() const { return slots_.size(); }
  Slot& slot(size_t i) { return *slots_[i]; }
  bool busy(size_t i) const { return slots_[i]->pid > 0; }
  void set_run_timeout(uint64_t ns) { run_timeout_ns_ = ns; }
  int interrupted() const { return interrupted_; }

  void launch(size_t i, const Schedule& schedule, uint32_t fuzz_flags) {
    Slot& s = *slots_[i];
    wire::Config c = base_;
    c.fuzz = fuzz_flags;
    c.injection_count = static_cast<uint32_t>(schedule.size());
    for (size_t k = 0; k < schedule.size() && k < wire::kMaxInjections; ++k) c.injections[k] = schedule[k];
    c.cli_pid = getpid();
    reset(header(s), c);
    s.schedule = schedule;
    s.timed_out = false;
    s.status = 0;
    s.exec_errno = 0;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
    const ExecImage image(path_, argv_, s.env);
    const bool fuzzing = fuzz_flags != 0;
    s.start_ns = now_ns();
    const pid_t pid = fork();
    if (pid < 0) throw Error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      setpgid(0, 0);  // its own group: the whole tree goes at the end of the run
      // Stable addresses make call sites comparable from run to run.
      if (fuzzing) personality(static_cast<unsigned long>(personality(0xffffffff)) | ADDR_NO_RANDOMIZE);
      if (null_fd_ >= 0) {
        dup2(null_fd_, 0);
        dup2(null_fd_, 1);
        dup2(null_fd_, 2);
      }
      sigaction(SIGCHLD, &old_chld_, nullptr);
      sigprocmask(SIG_SETMASK, &orig_mask_, nullptr);
      image.exec(pipefd[1]);
    }
    setpgid(pid, pid);
    close(pipefd[1]);
    s.exec_pipe = pipefd[0];
    s.pid = pid;
    s.deadline_ns = run_timeout_ns_ ? s.start_ns + run_timeout_ns_ : 0;
    s.watchdog = std::make_unique<HangWatchdog>(s.file, hang_ns_, pid, hang_check_);
  }

  // Waits until a running slot finishes; returns its index, or -1 when
  // interrupted (SIGINT, SIGTERM, SIGHUP) or nothing runs.
  int wait_any() {
    for (;;) {
      bool any = false;
      for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& s = *slots_[i];
        if (s.pid <= 0) continue;
        any = true;
        int status = 0;
        const pid_t w = waitpid(s.pid, &status, WNOHANG);
        if (w == s.pid || (w < 0 && errno == ECHILD)) {
          s.status = status;
          finish(s);
          return static_cast<int>(i);
        }
      }
      if (!any || interrupted_) return -1;
      const uint64_t now = now_ns();
      uint64_t wait = 100'000'000ull;
      for (auto& sp : slots_) {
        Slot& s = *sp;
        if (s.pid <= 0) continue;
        if (s.deadline_ns && !s.timed_out) {
          if (now >= s.deadline_ns) {
            kill(-s.pid, SIGKILL);
            kill(s.pid, SIGKILL);
            s.timed_out = true;
          } else {
            wait = std::min(wait, s.deadline_ns - now);
          }
        }
        if (s.watchdog && s.watchdog->enabled()) {
          s.watchdog->poll(now);
          wait = std::min(wait, s.watchdog->interval_ns());
        }
      }
      timespec ts{static_cast<time_t>(wait / 1'000'000'000ull), static_cast<long>(wait % 1'000'000'000ull)};
      const int sig = sigtimedwait(&waitset_, nullptr, &ts);
      if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) interrupted_ = sig;
    }
  }

  // Ends a run early (another job found something).
  void stop(Slot& s) {
    if (s.pid <= 0) return;
    kill(-s.pid, SIGKILL);
    kill(s.pid, SIGKILL);
    int status;
    while (waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
    }
    s.status = status;
    finish(s);
  }

  Outcome examine(Slot& s) {
    Outcome o;
    o.timed_out = s.timed_out;
    o.elapsed_ns = now_ns() - s.start_ns;
    const wire::Header& h = header(s);
    const uint32_t n = std::min(h.next_record.load(std::memory_order_acquire), wire::kMaxRecords);
    for (uint32_t i = 0; i < n && !o.error; ++i) {
      const wire::Record& r = h.records[i];
      if (r.state.load(std::memory_order_acquire) != wire::kReady || r.kind == 0 || r.kind >= wire::kKindCount)
        continue;
      const auto kind = static_cast<wire::Kind>(r.kind);
      if (!is_error(kind) || !(h.config.checks & wire::check_bit(kind))) continue;
      o.error = true;
      o.kind = kind;
      if (r.function >= 0 && static_cast<size_t>(r.function) < functions().size())
        o.what = std::string(functions()[r.function].name);
    }
    if (!o.error && s.watchdog) {
      for (const HangEvent& ev : s.watchdog->events())
        if (ev.ended) {
          o.error = true;
          o.kind = wire::kHandlerHang;
        }
    }
    const uint32_t np = std::min(h.next_process.load(std::memory_order_acquire), wire::kMaxProcesses);
    for (uint32_t p = 0; p < np; ++p)
      for (uint32_t k = 0; k < h.config.injection_count && k < wire::kMaxInjections; ++k)
        o.fired |= h.processes[p].fired[k].load(std::memory_order_relaxed) != 0;
    return o;
  }

  // The run's report, as `sigstorm run` writes it.
  Report report(Slot& s) {
    Symbolizer symbolizer;
    Report r = collect(s.file.read(), symbolizer);
    if (s.watchdog) {
      for (const HangEvent& ev : s.watchdog->events()) {
        if (!ev.ended) continue;
        r.notes.push_back("run ended: a signal handler in pid " + std::to_string(ev.pid) + " ran longer than " +
                          format_duration(hang_ns_) + " (--hang-timeout)");
        const bool found = std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) {
          return f.kind == wire::kHandlerHang && std::find(f.pids.begin(), f.pids.end(), ev.pid) != f.pids.end();
        });
        if (found) continue;
        std::optional<StackFrame> handler;
        if (ev.handler) handler = symbolizer.frame(ev.handler->module, wire::Frame{ev.handler->offset, 1, 0});
        r.findings.push_back(hang_finding_without_stack(ev.pid, ev.tid, ev.signal, std::move(handler), hang_ns_));
      }
    }
    r.argv = argv_;
    if (WIFEXITED(s.status)) r.exit.code = WEXITSTATUS(s.status);
    else if (WIFSIGNALED(s.status)) r.exit.signal = signal_name(WTERMSIG(s.status));
    if (s.timed_out) r.notes.insert(r.notes.begin(), "run ended by sigstorm fuzz's per-run timeout");
    return r;
  }

  // Runs one schedule to the end on slot 0.
  Outcome run_one(const Schedule& schedule, uint32_t fuzz_flags) {
    launch(0, schedule, fuzz_flags);
    for (;;) {
      const int done = wait_any();
      if (done == 0) break;
      if (done < 0) {
        stop(*slots_[0]);
        break;
      }
    }
    Slot& s = *slots_[0];
    if (s.exec_errno) throw Error(program_ + ": cannot execute: " + std::strerror(s.exec_errno));
    return examine(s);
  }

 private:
  void finish(Slot& s) {
    kill(-s.pid, SIGKILL);  // leftovers of the program's tree must not write into the next run
    s.pid = 0;
    if (s.exec_pipe >= 0) {
      int err = 0;
      if (read(s.exec_pipe, &err, sizeof err) == static_cast<ssize_t>(sizeof err)) s.exec_errno = err;
      close(s.exec_pipe);
      s.exec_pipe = -1;
    }
  }

  std::string program_, path_;
  std::vector<std::string> argv_;
  std::string shim_;
  wire::Config base_;
  uint64_t hang_ns_;
  bool hang_check_;
  uint64_t run_timeout_ns_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  sigset_t waitset_, orig_mask_;
  struct sigaction old_chld_ {};
  int null_fd_ = -1;
  int interrupted_ = 0;
};

// libFuzzer's counter buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+.
int bucket(uint8_t v) {
  if (v >= 128) return 7;
  if (v >= 32) return 6;
  if (v >= 16) return 5;
  if (v >= 8) return 4;
  if (v >= 4) return 3;
  return v - 1;
}

struct Search {
  std::vector<uint8_t> seen = std::vector<uint8_t>(wire::kInterleavings, 0);
  size_t features = 0;
  uint64_t handled = 0;  // signals seen with handlers (bit sig - 1)

  // New interleaving features of a run (and counts them).
  size_t absorb(const wire::Header& h) {
    size_t fresh = 0;
    for (uint32_t i = 0; i < wire::kInterleavings; ++i) {
      const uint8_t v = h.interleavings[i].load(std::memory_order_relaxed);
      if (!v) continue;
      const uint8_t bit = static_cast<uint8_t>(1u << bucket(v));
      if (seen[i] & bit) continue;
      seen[i] |= bit;
      ++fresh;
    }
    features += fresh;
    return fresh;
  }
};

// What a run teaches: call points and their hit counts, handled signals.
bool learn(ScheduleGen& gen, Search& search, const wire::Header& h, bool learn_signals) {
  bool fresh = false;
  const uint32_t np = std::min(h.next_process.load(std::memory_order_acquire), wire::kMaxProcesses);
  const size_t nfn = std::min<size_t>(functions().size(), wire::kMaxFunctions);
  for (size_t fn = 0; fn < nfn; ++fn) {
    uint64_t most = 0;
    for (uint32_t p = 0; p < np; ++p)
      if (h.processes[p].state.load(std::memory_order_acquire) == wire::kReady)
        most = std::max<uint64_t>(most, h.processes[p].calls[fn].load(std::memory_order_relaxed));
    fresh |= gen.learn(static_cast<int>(fn), most);
  }
  if (learn_signals) {
    uint64_t mask = 0;
    for (uint32_t p = 0; p < np; ++p)
      if (h.processes[p].state.load(std::memory_order_acquire) == wire::kReady)
        mask |= h.processes[p].expected_caught.load(std::memory_order_relaxed);
    for (int sig = 1; sig < 65; ++sig) {
      if (!(mask >> (sig - 1) & 1) || (search.handled >> (sig - 1) & 1) || !injectable_by_default(sig)) continue;
      search.handled |= 1ull << (sig - 1);
      gen.add_signal(sig);
      fresh = true;
    }
  }
  return fresh;
}

std::string schedule_text(const Schedule& s) {
  std::string out;
  for (const auto& inj : s) out += (out.empty() ? "" : " ") + std::string(inj.text);
  return out.empty() ? "(none)" : out;
}

}  // namespace

CLI::App* add_fuzz_command(CLI::App& app) {
  FuzzOptions& o = g_opts;
  CLI::App* fuzz = app.add_subcommand(
      "fuzz", "Search injection schedules for PROGRAM; print a `sigstorm run` line that reproduces the first finding");
  fuzz->footer(kFuzzFooter);
  fuzz->add_option("--max-time", o.max_time, "Stop searching after DUR (default: no limit)")->type_name("DUR");
  fuzz->add_option("--runs", o.runs, "Stop after N runs of PROGRAM (default: no limit)")->type_name("N");
  fuzz->add_option("--jobs", o.jobs, "Run N copies of PROGRAM at once (default 1)")->type_name("N");
  fuzz->add_option("--seed", o.seed, "Seed of the search (default: random, printed); also the --seed of the line")
      ->type_name("N");
  fuzz->add_option("--signals", o.signals,
                   "Comma list of signals to inject (default: those PROGRAM installs handlers for, "
                   "crash signals aside)")
      ->type_name("LIST");
  fuzz->add_option("--check", o.checks, "Comma list of checks (as for run; default all)")->type_name("LIST");
  fuzz->add_option("--policy", o.policy, "posix (default) or linux, as for run")->type_name("posix|linux");
  fuzz->add_option("--hang-timeout", o.hang_timeout, "A handler running longer than DUR is a handler-hang (default 2s)")
      ->type_name("DUR");
  fuzz->add_option("--timeout", o.timeout,
                   "End one run after DUR and go on (default: 20x the first run, at least --hang-timeout + 1s)")
      ->type_name("DUR");
  fuzz->add_option("--time-scale", o.time_scale, "Scale the program's own timers, as for run")->type_name("F");
  fuzz->add_option("--error-exitcode", o.error_exitcode, "Exit status when an error finding was made (default 66)")
      ->type_name("N");
  fuzz->add_option("-o,--report", o.report_path, "Write the report of the reproducing run to FILE")->type_name("FILE");
  fuzz->add_option("--format", o.format, "Report format: text, json, sarif or html")->type_name("FORMAT");
  fuzz->add_option("PROGRAM", o.command, "The program and its arguments, after '--'")->type_name("[ARGS]");
  fuzz->positionals_at_end();
  return fuzz;
}

int fuzz_command() {
  const FuzzOptions& o = g_opts;
  wire::Config base{};
  base.checks = wire::kAllChecks;
  std::vector<std::string> extra;  // options the reproducing line needs
  if (o.checks) {
    ChecksResult r = parse_checks(*o.checks);
    if (!r.ok) throw Error(r.error);
    base.checks = r.mask;
    extra.insert(extra.end(), {"--check", *o.checks});
  }
  auto policy = parse_policy(o.policy);
  if (!policy) throw Error("--policy " + squote(o.policy) + ": unknown policy (want posix or linux)");
  base.policy = *policy;
  if (*policy != wire::kPolicyPosix) extra.insert(extra.end(), {"--policy", o.policy});
  const uint64_t seed = seed_option(o.seed);
  base.seed = seed;
  base.hang_timeout_ns = 2'000'000'000ull;
  if (o.hang_timeout) {
    base.hang_timeout_ns = duration_option("--hang-timeout", *o.hang_timeout);
    extra.insert(extra.end(), {"--hang-timeout", *o.hang_timeout});
  }
  base.time_scale = 1.0;
  if (o.time_scale) {
    base.time_scale = time_scale_option(*o.time_scale);
    extra.insert(extra.end(), {"--time-scale", *o.time_scale});
  }
  std::optional<uint64_t> max_time, runs_limit, run_timeout;
  if (o.max_time) max_time = duration_option("--max-time", *o.max_time);
  if (o.timeout) run_timeout = duration_option("--timeout", *o.timeout);
  if (o.runs) {
    runs_limit = parse_u64(*o.runs);
    if (!runs_limit || *runs_limit == 0) throw Error("--runs " + squote(*o.runs) + ": want a number of runs, 1 or more");
  }
  size_t jobs = 1;
  if (o.jobs) {
    auto j = parse_u64(*o.jobs);
    if (!j || *j == 0 || *j > 256) throw Error("--jobs " + squote(*o.jobs) + ": want 1..256");
    jobs = static_cast<size_t>(*j);
  }
  const int error_exitcode = exitcode_option(o.error_exitcode);
  Format format = Format::Text;
  if (o.format) {
    auto f = parse_format(*o.format);
    if (!f) throw Error("--format " + squote(*o.format) + ": unknown format (want text, json, sarif or html)");
    format = *f;
  } else if (o.report_path) {
    format = format_from_path(*o.report_path).value_or(Format::Text);
  }
  std::vector<int> signals;
  if (o.signals) {
    size_t at = 0;
    const std::string& list = *o.signals;
    for (;;) {
      const size_t comma = list.find(',', at);
      const std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      auto sig = parse_signal(item);
      if (!sig || *sig == SIGKILL || *sig == SIGSTOP)
        throw Error("--signals " + squote(list) + ": " + (item.empty() ? "empty item" : "unknown signal " + squote(item)));
      if (std::find(signals.begin(), signals.end(), *sig) == signals.end()) signals.push_back(*sig);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  if (o.command.empty()) throw Error("no program given (usage: sigstorm fuzz [OPTIONS] -- PROGRAM [ARGS...])");

  const std::string& program = o.command.front();
  const std::string path = resolve_program(program, std::getenv("PATH"));
  const std::string shim = shim_path();
  check_shim(shim);
  check_preloadable(program, path, shim);
  std::optional<OutputFile> out;
  if (o.report_path) out.emplace(*o.report_path);

  const bool hang_check = (base.checks & wire::check_bit(wire::kHandlerHang)) != 0;
  Runner runner(program, path, o.command, shim, base, base.hang_timeout_ns, hang_check);
  runner.set_jobs(1);
  ScheduleGen gen(seed, signals);
  Search search;
  const bool learn_signals = signals.empty();
  constexpr uint32_t kFuzzFlags = wire::kFuzzArmAll | wire::kFuzzCoverage;

  auto say = [](const std::string& line) { write_all(STDERR_FILENO, line + "\n"); };
  const uint64_t t0 = now_ns();
  uint64_t runs = 0, timeouts = 0;
  std::vector<Schedule> corpus;
  auto progress = [&](const char* what, const std::string& tail = {}) {
    const double secs = static_cast<double>(now_ns() - t0) / 1e9;
    char buf[256];
    std::snprintf(buf, sizeof buf, "#%llu\t%-6s ilv: %zu pts: %zu sigs: %zu corp: %zu exec/s: %.0f findings: 0 timeouts: %llu time: %.1fs",
                  static_cast<unsigned long long>(runs), what, search.features, gen.points().size(),
                  gen.signals().size(), corpus.size(), secs > 0 ? static_cast<double>(runs) / secs : 0.0,
                  static_cast<unsigned long long>(timeouts), secs);
    say(buf + (tail.empty() ? std::string() : " S: " + tail));
  };

  // 1. Learn.
  Outcome first = runner.run_one({}, kFuzzFlags);
  ++runs;
  learn(gen, search, header(runner.slot(0)), learn_signals);
  search.absorb(header(runner.slot(0)));
  say("sigstorm fuzz: seed " + std::to_string(seed) + "; " + std::to_string(gen.points().size()) +
      " call points reached; signals: " +
      [&] {
        std::string s;
        for (int sig : gen.signals()) s += (s.empty() ? "" : ",") + signal_name(sig);
        return s.empty() ? std::string("none") : s;
      }() +
      "; first run " + format_duration(std::max<uint64_t>(first.elapsed_ns / 1000 * 1000, 1000)));
  if (!run_timeout)
    run_timeout = std::max<uint64_t>(first.elapsed_ns * 20, base.hang_timeout_ns + 1'000'000'000ull);
  runner.set_run_timeout(*run_timeout);

  std::optional<Schedule> found;
  Outcome found_outcome;
  if (first.error) {
    found = Schedule{};
    found_outcome = first;
  } else if (gen.signals().empty()) {
    say("sigstorm fuzz: " + program + " installed no signal handler sigstorm could inject for (name signals with --signals)");
  } else {
    // 2. Search.
    runner.set_jobs(jobs);
    progress("INITED");
    uint64_t next_pulse = 2;
    uint64_t last_print = now_ns();
    auto stop_now = [&] {
      if (runner.interrupted()) return true;
      if (runs_limit && runs >= *runs_limit) return true;
      if (max_time && now_ns() - t0 >= *max_time) return true;
      return false;
    };
    auto pick = [&]() -> Schedule {
      if (corpus.empty() || gen.next(4) == 0) return gen.random();
      const Schedule& a = corpus[gen.next(corpus.size())];
      const Schedule& b = corpus[gen.next(corpus.size())];
      Schedule s = gen.mutate(a, &b);
      for (uint64_t k = gen.next(3); k > 0; --k) s = gen.mutate(s, &b);
      return s;
    };
    uint64_t launched = runs;
    for (size_t i = 0; i < runner.jobs() && !stop_now() && (!runs_limit || launched < *runs_limit); ++i) {
      runner.launch(i, pick(), kFuzzFlags);
      ++launched;
    }
    while (!found) {
      const int done = runner.wait_any();
      if (done < 0) break;
      Slot& s = runner.slot(static_cast<size_t>(done));
      ++runs;
      const Outcome oc = runner.examine(s);
      if (oc.timed_out) ++timeouts;
      if (oc.error) {
        found = s.schedule;
        found_outcome = oc;
        break;
      }
      const bool fresh_points = learn(gen, search, header(s), learn_signals);
      const size_t fresh = search.absorb(header(s));
      if ((fresh || fresh_points) && !s.schedule.empty()) {
        corpus.push_back(s.schedule);
        progress("NEW", schedule_text(s.schedule));
        last_print = now_ns();
      } else if (runs >= next_pulse || now_ns() - last_print > 10'000'000'000ull) {
        if (runs >= next_pulse) next_pulse *= 2;
        progress("pulse");
        last_print = now_ns();
      }
      if (!stop_now() && (!runs_limit || launched < *runs_limit)) {
        runner.launch(static_cast<size_t>(done), pick(), kFuzzFlags);
        ++launched;
      }
    }
    for (size_t i = 0; i < runner.jobs(); ++i)
      if (runner.busy(i)) runner.stop(runner.slot(i));
    if (!found) progress("DONE");
  }

  if (!found) {
    if (runner.interrupted()) {
      say("sigstorm fuzz: interrupted after " + std::to_string(runs) + " runs; no error finding");
      return 128 + runner.interrupted();
    }
    say("sigstorm fuzz: no error finding in " + std::to_string(runs) + " runs (seed " + std::to_string(seed) + ")");
    return 0;
  }

  // 3. Minimize with plain `sigstorm run` semantics, then replay.
  say("sigstorm fuzz: " + std::string(kind_name(found_outcome.kind)) + " after " + std::to_string(runs) +
      " runs with " + schedule_text(*found) + "; minimizing");
  auto reproduces = [&](const Schedule& s) {
    if (runner.interrupted()) return false;
    const Outcome oc = runner.run_one(s, 0);
    return oc.error && oc.kind == found_outcome.kind;
  };
  Schedule best = *found;
  bool confirmed = false;
  for (int attempt = 0; attempt < 3 && !confirmed; ++attempt) confirmed = reproduces(best);
  if (confirmed) best = minimize(best, reproduces, 48);
  Outcome last;
  bool replayed = false;
  for (int attempt = 0; attempt < 3 && !replayed && !runner.interrupted(); ++attempt) {
    last = runner.run_one(best, 0);
    replayed = last.error && last.kind == found_outcome.kind;
  }
  if (runner.interrupted()) {
    say("sigstorm fuzz: interrupted while minimizing; the schedule as found:");
    write_all(STDOUT_FILENO, reproducer_line(seed, extra, best, o.command) + "\n");
    return error_exitcode;
  }
  Report report = runner.report(runner.slot(0));
  if (!replayed)
    report.notes.push_back("the finding did not reproduce when replayed (" + schedule_text(best) +
                           "): the program may not be deterministic under this schedule");
  const std::string text = write_report(report, format, [] {
    char buf[PATH_MAX];
    return getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
  }());
  if (out) out->commit(text);
  else write_all(STDERR_FILENO, text);
  write_all(STDOUT_FILENO, reproducer_line(seed, extra, best, o.command) + "\n");
  return error_exitcode;
}

}  // namespace sigstorm::cli
