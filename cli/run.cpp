#include "cli/run.h"
#include "cli/launch.h"
#include "inject/run/audit.h"
#include "inject/run/watchdog.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "inject/options/checks.h"
#include "inject/report/collect.h"
#include "inject/options/number.h"
#include "inject/options/duration.h"
#include "inject/error.h"
#include "inject/options/functions.h"
#include "inject/run/program.h"
#include "inject/run/run_file.h"
#include "inject/run/run_file_share.h"
#include "inject/options/signals.h"
#include "inject/options/spec.h"
#include "inject/report/symbolize.h"

extern char** environ;

namespace sigstorm::cli {
namespace {

std::string squoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string current_dir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

struct Validated {
  wire::Config config{};
  std::vector<std::string> warnings;  // specs that parse but likely do not do what was meant
  Format format = Format::Text;
  std::optional<uint64_t> timeout_ns;
  int error_exitcode = 66;
};

Validated validate(const RunOptions& o) {
  Validated v;
  wire::Config& c = v.config;

  c.checks = wire::kAllChecks;
  if (o.checks) {
    ChecksResult r = parse_checks(*o.checks);
    if (!r.ok) throw Error(r.error);
    c.checks = r.mask;
  }
  auto policy = parse_policy(o.policy);
  if (!policy) throw Error("--policy " + squoted(o.policy) + ": unknown policy (want posix or linux)");
  c.policy = *policy;

  c.seed = seed_option(o.seed);
  c.hang_timeout_ns = duration_option("--hang-timeout", o.hang_timeout);
  if (o.timeout) v.timeout_ns = duration_option("--timeout", *o.timeout);

  v.error_exitcode = exitcode_option(o.error_exitcode);

  c.time_scale = o.time_scale ? time_scale_option(*o.time_scale) : 1.0;

  if (o.format) {
    auto f = parse_format(*o.format);
    if (!f) throw Error("--format " + squoted(*o.format) + ": unknown format (want text, json, sarif or html)");
    v.format = *f;
  } else if (o.report_path) {
    v.format = format_from_path(*o.report_path).value_or(Format::Text);
  }
  if (o.report_path && o.report_path->empty()) throw Error("--report: empty file name");

  if (o.injects.size() > wire::kMaxInjections)
    throw Error("too many --inject specs: " + std::to_string(o.injects.size()) + " (at most " +
                std::to_string(wire::kMaxInjections) + ")");
  for (const std::string& spec : o.injects) {
    SpecResult r = parse_spec(spec);
    if (!r.ok) throw Error(r.error);
    if (!r.warning.empty()) v.warnings.push_back(r.warning);
    c.injections[c.injection_count++] = r.injection;
  }

  if (o.command.empty()) throw Error("no program given (usage: sigstorm run [OPTIONS] -- PROGRAM [ARGS...])");
  return v;
}


struct ChildResult {
  pid_t pid = 0;
  int status = 0;
  bool timed_out = false;
};

constexpr uint64_t kStragglerGraceNs = 1'000'000'000ull;

// Forks and execs; returns when the child is gone. Throws Error when the
// exec itself failed (nothing ran).
ChildResult run_child(const std::string& display, const std::string& path,
                      std::vector<std::string> argv, std::vector<std::string> env,
                      std::optional<uint64_t> timeout_ns, HangWatchdog& watchdog, HandlerAudit& audit,
                      RunFile& run_file, ProcessLedger& ledger) {
  const ExecImage image(path, std::move(argv), std::move(env));

  struct sigaction ign {}, dfl {}, old_int {}, old_quit {}, old_chld {};
  ign.sa_handler = SIG_IGN;
  dfl.sa_handler = SIG_DFL;
  sigset_t waitset, orig_mask;
  sigemptyset(&waitset);
  sigaddset(&waitset, SIGCHLD);
  sigaddset(&waitset, SIGTERM);
  sigaddset(&waitset, SIGHUP);

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));

  // The terminal sends SIGINT/SIGQUIT to the program too: sigstorm waits
  // for it to react. SIGCHLD must not be ignored or the status is lost.
  sigprocmask(SIG_BLOCK, &waitset, &orig_mask);
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  sigaction(SIGCHLD, &dfl, &old_chld);
  auto restore = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    sigaction(SIGCHLD, &old_chld, nullptr);
  };

  const uint64_t start = now_ns();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    restore();
    sigprocmask(SIG_SETMASK, &orig_mask, nullptr);
    close(pipefd[0]);
    close(pipefd[1]);
    throw Error(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    // The child: the dispositions and mask sigstorm was started with.
    restore();
    sigprocmask(SIG_SETMASK, &orig_mask, nullptr);
    image.exec(pipefd[1]);
  }
  watchdog.set_child(pid);
  close(pipefd[1]);
  int exec_err = 0;
  ssize_t n;
  do n = read(pipefd[0], &exec_err, sizeof exec_err);
  while (n < 0 && errno == EINTR);
  close(pipefd[0]);

  ChildResult result;
  result.pid = pid;
  constexpr uint64_t kAuditInterval = 100'000'000ull;
  uint64_t next_audit = 0;
  for (;;) {
    // Exited? Look at its handlers one last time (a zombie still shows
    // them), then reap it.
    siginfo_t si{};
    const int w = waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT);
    if (w == 0 && si.si_pid == pid) {
      audit.sample_final(pid);
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      result.status = status;
      break;
    }
    if (w < 0 && errno != EINTR) {
      result.status = 0;
      break;  // cannot happen with SIGCHLD at default; do not spin
    }
    // Wait for the child, a signal to forward, the --timeout or the
    // watchdog's next look, whichever comes first.
    const uint64_t now = now_ns();
    std::optional<uint64_t> wait_ns;
    if (timeout_ns && !result.timed_out) {
      const uint64_t elapsed = now - start;
      if (elapsed >= *timeout_ns) {
        kill(pid, SIGKILL);
        result.timed_out = true;
        continue;
      }
      wait_ns = *timeout_ns - elapsed;
    }
    if (watchdog.enabled()) {
      watchdog.poll(now);
      wait_ns = std::min(wait_ns.value_or(UINT64_MAX), watchdog.interval_ns());
    }
    if (now >= next_audit) {
      audit.sample();
      ledger.harvest(const_cast<wire::Header&>(run_file.read()));
      next_audit = now + kAuditInterval;
    }
    wait_ns = std::min(wait_ns.value_or(UINT64_MAX), next_audit - now);
    timespec ts{};
    if (wait_ns) {
      ts.tv_sec = static_cast<time_t>(*wait_ns / 1'000'000'000ull);
      ts.tv_nsec = static_cast<long>(*wait_ns % 1'000'000'000ull);
    }
    const int sig = sigtimedwait(&waitset, nullptr, wait_ns ? &ts : nullptr);
    if (sig == SIGTERM || sig == SIGHUP) kill(pid, sig);
  }
  restore();
  if (n == static_cast<ssize_t>(sizeof exec_err))
    throw Error(display + ": cannot execute: " + std::strerror(exec_err));
  return result;
}

// Every process below `pid` (an nginx master and its workers are three).
size_t descendants(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;) n += 1 + descendants(child);
  }
  return n;
}

// Processes that outlive the program (daemons, orphans, `cmd &`) get up to
// grace_ns to finish, so that what they find still makes the report. sigstorm
// is their child subreaper: an orphan of the run becomes sigstorm's child, so
// "sigstorm has children" is "the run still has processes", without races.
// Returns how many children were still running after that.
size_t wait_for_stragglers(uint64_t grace_ns) {
  const uint64_t deadline = now_ns() + grace_ns;
  for (;;) {
    int status;
    pid_t reaped;
    while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
    }
    if (reaped < 0 && errno == ECHILD) return 0;
    if (now_ns() >= deadline) break;
    usleep(10000);
  }
  return std::max<size_t>(descendants(getpid()), 1);
}

}  // namespace

bool at_line_start(int fd) {
  // A regular file tells: its last byte. A terminal cannot, and the
  // program's last line may be unfinished there: start on a new line. A
  // pipe cannot either; what reads it gets the report as it is.
  struct stat st {};
  if (::fstat(fd, &st) != 0) return true;
  if (S_ISCHR(st.st_mode)) return !::isatty(fd);
  if (!S_ISREG(st.st_mode)) return true;
  if (st.st_size == 0) return true;
  char last = 0;
  return ::pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n';
}

bool write_all(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ >= 0) {
    created_ = true;
    return;
  }
  if (errno == EEXIST) fd_ = ::open(path_.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ELOOP) throw Error(path_ + ": is a symbolic link; refusing to write the report through it");
    throw Error(path_ + ": cannot write the report: " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error(path_ + ": is a directory");
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (created_ && !committed_) ::unlink(path_.c_str());
}

void OutputFile::commit(const std::string& content) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::ftruncate(fd_, 0) != 0)
    throw Error(path_ + ": cannot truncate: " + std::strerror(errno));
  if (!write_all(fd_, content) || ::close(fd_) != 0) {
    const int err = errno;
    fd_ = -1;
    throw Error(path_ + ": cannot write the report: " + std::strerror(err));
  }
  fd_ = -1;
  committed_ = true;
}

int run(const RunOptions& o) {
  Validated v = validate(o);

  const std::string& program = o.command.front();
  const std::string path = resolve_program(program, std::getenv("PATH"));
  const std::string shim = shim_path();
  check_shim(shim);
  check_preloadable(program, path, shim);

  std::optional<OutputFile> out;
  if (o.report_path) out.emplace(*o.report_path);
  // Before the program starts; with --report nothing goes to its stderr.
  if (!out)
    for (const std::string& w : v.warnings) write_all(STDERR_FILENO, "sigstorm: warning: " + w + "\n");

  v.config.cli_pid = getpid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphans of the run come back to us (see wait_for_stragglers)
  // A test knob, not an option: a tiny record store shows the dropped path.
  if (const char* limit = std::getenv("SIGSTORM_RECORD_LIMIT")) v.config.record_limit = (uint32_t)std::strtoul(limit, nullptr, 10);
  RunFile run_file = RunFile::create(v.config);
  HangWatchdog watchdog(run_file, v.config.hang_timeout_ns, 0,
                        (v.config.checks & wire::check_bit(wire::kHandlerHang)) != 0);
  HandlerAudit audit(run_file);
  ProcessLedger ledger;
  RunFileShare share(run_file);
  ChildResult child = run_child(program, path, o.command, child_environment(shim, run_file.path()),
                                v.timeout_ns, watchdog, audit, run_file, ledger);
  audit.sample();  // what is still running (daemons)
  const size_t stragglers = child.timed_out ? 0 : wait_for_stragglers(kStragglerGraceNs);

  Symbolizer symbolizer;
  Report report = collect(run_file.read(), symbolizer, &ledger);
  for (const HangEvent& ev : watchdog.events()) {
    if (!ev.ended) continue;
    report.notes.push_back("run ended: a signal handler in pid " + std::to_string(ev.pid) + " ran longer than " +
                           format_duration(v.config.hang_timeout_ns) + " (--hang-timeout)");
    const bool found = std::any_of(report.findings.begin(), report.findings.end(), [&](const Finding& f) {
      return f.kind == wire::kHandlerHang &&
             std::find(f.pids.begin(), f.pids.end(), ev.pid) != f.pids.end();
    });
    if (found) continue;
    std::optional<StackFrame> handler;
    if (ev.handler) handler = symbolizer.frame(ev.handler->module, wire::Frame{ev.handler->offset, 1, 0});
    report.findings.push_back(
        hang_finding_without_stack(ev.pid, ev.tid, ev.signal, std::move(handler), v.config.hang_timeout_ns));
  }
  for (const auto& [pid, mask] : audit.unchecked()) {
    std::string exe;
    for (ProcessInfo& p : report.processes) {
      if (p.pid != pid) continue;
      p.unchecked_handlers = static_cast<uint32_t>(__builtin_popcountll(mask));
      exe = p.exe;
    }
    report.notes.push_back("pid " + std::to_string(pid) + (exe.empty() ? "" : " (" + exe + ")") + " catches " +
                           signal_list(mask) +
                           " with a handler sigstorm did not see installed (a raw rt_sigaction?): not checked");
  }
  if (WIFSIGNALED(child.status) && (v.config.checks & wire::check_bit(wire::kLongjmpMask)))
    for (Finding& f : deaths_in_handlers(run_file.read(), child.pid, WTERMSIG(child.status), symbolizer))
      report.findings.push_back(std::move(f));
  report.argv = o.command;
  report.timeout_ns = v.timeout_ns;
  if (WIFEXITED(child.status)) report.exit.code = WEXITSTATUS(child.status);
  else if (WIFSIGNALED(child.status)) report.exit.signal = signal_name(WTERMSIG(child.status));
  if (WIFSIGNALED(child.status)) report.exit.cause = exit_cause(run_file.read(), &ledger, child.pid, WTERMSIG(child.status));
  if (child.timed_out)
    report.notes.insert(report.notes.begin(), "run ended by --timeout after " + format_duration(*v.timeout_ns));
  run_file.remove();
  if (stragglers)
    report.notes.push_back(std::to_string(stragglers) + (stragglers == 1 ? " process" : " processes") +
                           " of the run still running " + format_duration(kStragglerGraceNs) +
                           " after the program ended: later findings of theirs are not in this report");

  const std::string text = write_report(report, v.format, current_dir());
  if (out) out->commit(text);
  else write_all(STDERR_FILENO, (at_line_start(STDERR_FILENO) ? "" : "\n") + text);

  if (error_count(report) > 0) return v.error_exitcode;
  if (WIFEXITED(child.status)) return WEXITSTATUS(child.status);
  if (WIFSIGNALED(child.status)) return 128 + WTERMSIG(child.status);
  return 0;
}

}  // namespace sigstorm::cli
