#include "cli/watch.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "cli/launch.h"
#include "cli/options.h"
#include "cli/output.h"
#include "inject/error.h"
#include "inject/report/collect.h"
#include "inject/run/pipeline.h"
#include "inject/run/run_file.h"
#include "inject/run/run_file_share.h"
#include "inject/run/supervisor.h"
#include "inject/run/watchdog.h"

namespace sigstorm::cli {
namespace {

// The shim's wake-up call (preload/bare.cpp); without it the watcher still
// looks every kScanNs.
constexpr int kWakeSignal = SIGURG;
constexpr uint64_t kScanNs = 100'000'000ull;
// After the last process is gone, how long a child that is still starting
// (forked, not yet registered) may take to show up. Short: whoever reads the
// program's stderr through a pipe waits for the watcher to let go of it.
constexpr uint64_t kLastLookNs = 50'000'000ull;

struct BareSettings {
  Settings settings;
  std::optional<std::string> log_path;
  int exitcode = -1;  // -1: the program's own exit status stays
};

// SIGSTORM_OPTIONS as `sigstorm run` reads it, through the same parsers
// (help=1 prints the keys here; the shim has checked them already).
BareSettings bare_settings() {
  CLI::App app;
  Options o;
  add_options(&app, o, kRun);
  apply_environment(&app, &o);
  o.command = {"bare"};
  BareSettings b;
  b.settings = resolve(o, kRun);
  if (const auto& log = b.settings.log_path) {
    check_log_path(*log);
    b.log_path = log->front() == '/' ? *log : current_dir() + "/" + *log;  // the watcher's cwd may not stay
  }
  for (const auto& [flag, key] : o.from_env)
    if (flag == "--error-exitcode") b.exitcode = b.settings.error_exitcode;
  return b;
}

long futex_wake(std::atomic<uint32_t>* word) { return syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr); }

class Watcher {
 public:
  Watcher(RunFile& run_file, const BareSettings& bare, pid_t root)
      : run_file_(run_file),
        bare_(bare),
        watchdog_(run_file, bare.settings.config.hang_timeout_ns, 0,
                  (bare.settings.config.checks & wire::check_bit(wire::kHandlerHang)) != 0),
        symbolizer_(bare.settings.symbolize),
        reported_(wire::kMaxRecords, false),
        base_dir_(current_dir()) {
    track(root);
  }

  void run() {
    const int sfd = wake_fd();
    uint64_t idle_since = 0;
    for (;;) {
      scan();
      const uint64_t now = monotonic_ns();
      watchdog_.poll(now);
      if (header().next_process.load(std::memory_order_relaxed) > wire::kMaxProcesses / 2) ledger_.harvest(header());
      if (pidfds_.empty()) {
        if (!idle_since) idle_since = now;
        else if (now - idle_since >= kLastLookNs) break;
      } else {
        idle_since = 0;
      }
      std::vector<pollfd> fds{{sfd, POLLIN, 0}};
      std::vector<pid_t> pids, without_fd;
      for (const auto& [pid, fd] : pidfds_) {
        if (fd < 0) {
          without_fd.push_back(pid);
          continue;
        }
        fds.push_back({fd, POLLIN, 0});
        pids.push_back(pid);
      }
      uint64_t wait = kScanNs;
      if (watchdog_.enabled()) wait = std::min(wait, watchdog_.interval_ns());
      if (idle_since) wait = std::min(wait, idle_since + kLastLookNs - std::min(now, idle_since + kLastLookNs));
      if (::poll(fds.data(), fds.size(), static_cast<int>(wait / 1'000'000)) > 0) {
        for (size_t i = 1; i < fds.size(); ++i)
          if (fds[i].revents) finish(pids[i - 1]);
        signalfd_siginfo si;
        while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        }
      }
      for (pid_t pid : without_fd)
        if (::kill(pid, 0) != 0 && errno == ESRCH) finish(pid);
    }
    // Records of processes the run file had no entry for.
    std::set<int> left;
    for (const wire::Record* r : ready_records(header()))
      if (!reported_[static_cast<size_t>(r - header().records)]) left.insert(r->pid);
    for (int pid : left) report(pid);
  }

 private:
  wire::Header& header() { return const_cast<wire::Header&>(run_file_.read()); }

  int wake_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kWakeSignal);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }

  // A pidfd tells when the process is gone however it ended (it is not our
  // child: no wait status, no SIGCHLD).
  void track(pid_t pid) {
    if (pidfds_.count(pid) || finished_.count(pid)) return;
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0 || errno == ENOSYS) pidfds_[pid] = fd;  // before Linux 5.3: kill(pid, 0) each look
    else finish(pid);                                   // gone before we looked
  }

  void finish(pid_t pid) {
    if (auto it = pidfds_.find(pid); it != pidfds_.end()) {
      if (it->second >= 0) ::close(it->second);
      pidfds_.erase(it);
    }
    finished_.insert(pid);
    report(pid);
  }

  void scan() {
    wire::Header& h = header();
    const uint32_t n = std::min(h.next_process.load(std::memory_order_acquire), wire::kMaxProcesses);
    for (uint32_t i = 0; i < n; ++i) {
      wire::Process& p = h.processes[i];
      if (p.state.load(std::memory_order_acquire) != wire::kReady) continue;
      const pid_t pid = p.pid;
      if (p.report.load(std::memory_order_acquire) == wire::kReportAsked) {
        p.report.store(report(pid), std::memory_order_release);
        futex_wake(&p.report);
      }
      track(pid);
    }
  }

  // Renders the findings of `pid` not reported yet (nothing when there are
  // none, as a sanitizer says nothing); says whether one was an error.
  uint32_t report(int pid) {
    const wire::Header& h = header();
    // Most processes end clean: say so without collecting the whole run.
    const auto records = ready_records(h);
    const bool any = std::any_of(records.begin(), records.end(), [&](const wire::Record* rec) {
      return rec->pid == pid && !reported_[static_cast<size_t>(rec - h.records)];
    });
    const bool hung = std::any_of(watchdog_.events().begin(), watchdog_.events().end(),
                                  [&](const HangEvent& ev) { return ev.pid == pid && ev.ended; });
    if (!any && !hung) return wire::kReportDone;
    std::vector<uint32_t> taken;
    Report r = collect(h, symbolizer_, &ledger_, [&](uint32_t index, const wire::Record& rec) {
      if (rec.pid != pid || reported_[index]) return false;
      taken.push_back(index);
      return true;
    });
    for (uint32_t i : taken) reported_[i] = true;
    std::vector<HangEvent> hangs;
    for (const HangEvent& ev : watchdog_.events())
      if (ev.pid == pid && ev.ended && hangs_reported_.insert({ev.tid, ev.probed_ns}).second) hangs.push_back(ev);
    add_hangs(r, hangs, symbolizer_);
    bare_.settings.present(r);  // suppressions=, verbosity=
    // Only suppressed findings: nothing to say, as a sanitizer.
    if (std::all_of(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.suppressed.has_value(); }))
      return wire::kReportDone;

    // This process only: its program, its injections.
    r.handlers.clear();
    std::erase_if(r.processes, [&](const ProcessInfo& p) { return p.pid != pid; });
    if (!r.processes.empty()) r.argv = {r.processes.front().exe};
    const bool root = pid == h.config.bare_root_pid;
    std::vector<InjectionStat> injections;
    for (InjectionStat& inj : r.injections) {
      std::erase_if(inj.processes, [&](const ProcessFired& f) { return f.pid != pid; });
      inj.fired = inj.processes.empty() ? 0 : inj.processes.front().fired;
      if (inj.fired || root) injections.push_back(inj);
    }
    r.injections = std::move(injections);

    // color= as `sigstorm run`'s --color: auto colours only a terminal, so a
    // log_path file is plain unless color=always.
    const std::string text =
        write_text(r, base_dir_, use_color(bare_.settings.color, bare_.log_path ? -1 : STDERR_FILENO));
    if (bare_.log_path) {
      const std::string path = *bare_.log_path + "." + std::to_string(pid);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 || !write_all(fd, text))
        write_all(STDERR_FILENO, "sigstorm: error: " + path + ": cannot write the report: " + std::strerror(errno) +
                                     "\n" + text);
      if (fd >= 0) ::close(fd);
    } else {
      std::optional<OutputFile> none;
      write_report_to(none, text);
    }
    return error_count(r) ? wire::kReportDoneErrors : wire::kReportDone;
  }

  RunFile& run_file_;
  const BareSettings& bare_;
  HangWatchdog watchdog_;
  ProcessLedger ledger_;
  Symbolizer symbolizer_;
  std::vector<bool> reported_;  // by record index
  std::set<std::pair<int, uint64_t>> hangs_reported_;
  std::map<pid_t, int> pidfds_;
  std::set<pid_t> finished_;
  std::string base_dir_;
};

}  // namespace

int watch_main(int argc, char** argv) {
  if (argc != 4) return 2;
  const int sock = std::atoi(argv[2]);
  const pid_t root = std::atoi(argv[3]);
  signal(SIGPIPE, SIG_IGN);  // a closed stderr must not end the report of the others
  // Blocked before any thread starts (RunFileShare's): a thread that took
  // the wake-up call would drop it, and the exiting process would wait for
  // the next scan.
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, kWakeSignal);
  sigprocmask(SIG_BLOCK, &wake, nullptr);
  BareSettings bare;
  try {
    bare = bare_settings();
  } catch (const Error& e) {
    write_all(STDERR_FILENO, std::string("sigstorm: error: ") + e.what() + "\n");
    send_fd(sock, "e", -1);
    return 2;
  }
  wire::Config config = bare.settings.to_config();
  config.cli_pid = getpid();  // the hang probe comes from here
  config.flags |= wire::kBare;
  config.bare_root_pid = root;
  config.bare_exitcode = bare.exitcode;
  std::optional<RunFile> run_file;
  try {
    run_file.emplace(RunFile::create(config));
  } catch (const Error& e) {
    write_all(STDERR_FILENO, std::string("sigstorm: warning: ") + e.what() + "\n");
    return 1;  // the shim says the program is not checked
  }
  wire::Header& h = const_cast<wire::Header&>(run_file->read());
  h.watching.store(1, std::memory_order_release);
  Watcher watcher(*run_file, bare, root);
  const RunFileShare share(*run_file, root);  // for processes that drop privileges
  const bool sent = send_fd(sock, "o" + run_file->path(), run_file->fd());
  ::close(sock);
  int status = 0;
  try {
    if (sent) watcher.run();
  } catch (const std::exception& e) {  // the run file broke (truncated by the program?)
    write_all(STDERR_FILENO, std::string("sigstorm: error: the bare run's reports are lost: ") + e.what() + "\n");
    status = 125;
  }
  h.watching.store(0, std::memory_order_release);
  // A process still waiting for its report (its pid was reused?) waits no longer.
  for (wire::Process& p : h.processes) futex_wake(&p.report);
  return status;
}

}  // namespace sigstorm::cli
