#include "inject/run/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/personality.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "inject/error.h"
#include "inject/run/fork_server.h"

namespace sigstorm {
namespace {

std::vector<char*> pointers(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

constexpr uint64_t kAuditIntervalNs = 100'000'000ull;
// --expect-exit: how often to look for a termination signal that reached the
// program, and how long its threads get to answer the stack probe.
constexpr uint64_t kExitPollNs = 20'000'000ull;
constexpr uint64_t kExitProbeWaitNs = 1'000'000'000ull;
constexpr uint64_t kExitProbeQuietNs = 300'000'000ull;

// Asks every thread of `pid` for its stack (the shim records a no-exit).
size_t probe_threads(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const long tid = std::strtol(task.path().filename().c_str(), nullptr, 10);
    siginfo_t si{};
    si.si_signo = SIGRTMAX - wire::kProbeSignalFromMax;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = wire::kProbeNoExit;
    if (tid > 0 && syscall(SYS_rt_tgsigqueueinfo, pid, tid, si.si_signo, &si) == 0) ++n;
  }
  return n;
}

size_t no_exit_records(const wire::Header& h) {
  size_t n = 0;
  for (const wire::Record* r : ready_records(h)) n += r->kind == wire::kNoExit;
  return n;
}

void kill_tree(pid_t pid, bool group) {
  if (pid <= 0) return;
  if (group) kill(-pid, SIGKILL);  // leftovers of the program's tree must not write into the next run
  kill(pid, SIGKILL);
}

}  // namespace

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void descendant_pids(pid_t pid, std::vector<int>& out) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;) {
      out.push_back(child);
      descendant_pids(child, out);
    }
  }
}

size_t descendants(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;) n += 1 + descendants(child);
  }
  return n;
}

// ---------------------------------------------------------------- ExecImage

ExecImage::ExecImage(std::string path, std::vector<std::string> argv, std::vector<std::string> env)
    : path_(std::move(path)), argv_(std::move(argv)), env_(std::move(env)) {
  sh_ = {"/bin/sh", path_};
  sh_.insert(sh_.end(), argv_.begin() + 1, argv_.end());
  argv_p_ = pointers(argv_);
  env_p_ = pointers(env_);
  sh_p_ = pointers(sh_);
}

void ExecImage::exec(int err_fd) const {
  execve(path_.c_str(), argv_p_.data(), env_p_.data());
  if (errno == ENOEXEC) execve("/bin/sh", sh_p_.data(), env_p_.data());
  const int err = errno;
  ssize_t unused = write(err_fd, &err, sizeof err);
  (void)unused;
  _exit(127);
}

// ---------------------------------------------------------------- SignalGate

SignalGate::SignalGate(const std::vector<int>& taken, bool ignore_terminal) : ignore_terminal_(ignore_terminal) {
  sigemptyset(&taken_);
  sigaddset(&taken_, SIGCHLD);
  for (int sig : taken) sigaddset(&taken_, sig);
  sigprocmask(SIG_BLOCK, &taken_, &orig_mask_);
  struct sigaction ign {}, dfl {};
  ign.sa_handler = SIG_IGN;
  dfl.sa_handler = SIG_DFL;
  if (ignore_terminal_) {
    sigaction(SIGINT, &ign, &old_int_);
    sigaction(SIGQUIT, &ign, &old_quit_);
  }
  sigaction(SIGCHLD, &dfl, &old_chld_);  // ignored, the status would be lost
}

SignalGate::~SignalGate() {
  restore_in_child();
  if (signal_fd_ >= 0) close(signal_fd_);
}

void SignalGate::restore_in_child() const {
  if (ignore_terminal_) {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGQUIT, &old_quit_, nullptr);
  }
  sigaction(SIGCHLD, &old_chld_, nullptr);
  sigprocmask(SIG_SETMASK, &orig_mask_, nullptr);
}

int SignalGate::wait(uint64_t ns, const std::vector<int>& fds, siginfo_t* info) const {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000ull), static_cast<long>(ns % 1'000'000'000ull)};
  if (!fds.empty() && signal_fd_ < 0) signal_fd_ = signalfd(-1, &taken_, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fds.empty() || signal_fd_ < 0) {
    const int sig = sigtimedwait(&taken_, info, &ts);
    return sig > 0 && sig != SIGCHLD ? sig : 0;
  }
  // The signals stay blocked; the signalfd takes them as sigtimedwait would.
  std::vector<pollfd> watched{{signal_fd_, POLLIN, 0}};
  for (int fd : fds) watched.push_back({fd, POLLIN, 0});
  ppoll(watched.data(), watched.size(), &ts, nullptr);
  signalfd_siginfo si{};
  if (read(signal_fd_, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) return 0;
  const int sig = static_cast<int>(si.ssi_signo);
  if (info) {
    *info = siginfo_t{};
    info->si_signo = sig;
    info->si_code = si.ssi_code;
    info->si_pid = static_cast<pid_t>(si.ssi_pid);
  }
  return sig != SIGCHLD ? sig : 0;
}

// ---------------------------------------------------------------- Supervisor

Supervisor::Supervisor(RunFile& run_file, const SignalGate& gate, SupervisorOptions options)
    : run_file_(run_file),
      gate_(gate),
      options_(options),
      watchdog_(run_file, options.hang_timeout_ns, 0, options.hang_check),
      audit_(run_file) {}

Supervisor::~Supervisor() {
  if (running()) stop();
  if (exec_pipe_ >= 0) close(exec_pipe_);
}

void Supervisor::start(const ExecImage& image, const std::string& display) {
  if (options_.server) {  // a copy of the program waiting at the fork point, no exec
    start_ns_ = monotonic_ns();
    next_audit_ns_ = 0;
    outcome_ = Outcome{};
    if (!options_.server->spawn())
      throw Failure(display + ": the fork server is gone (" + options_.server->why_gone() + ")");
    awaiting_copy_ = true;  // its pid comes with the next look
    return;
  }
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  if (options_.share) share_ = std::make_unique<RunFileShare>(run_file_);
  start_ns_ = monotonic_ns();
  next_audit_ns_ = 0;
  // vfork, as posix_spawn does: the child borrows this process's memory
  // until it execs, so no page table is copied and no page this process
  // writes next is copied again (a run of `true`: 100 faults and about
  // 0.25 ms less). The child only makes system calls on what is already
  // built (ExecImage's arrays, the gate's saved actions) and execs or
  // _exits. Every signal stays blocked until it restores the program's
  // mask: no handler of ours can run on the borrowed memory.
  sigset_t all, mine;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &mine);
  const pid_t pid = vfork();
  if (pid != 0) pthread_sigmask(SIG_SETMASK, &mine, nullptr);
  if (pid < 0) {
    const int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    throw Error(std::string("vfork: ") + std::strerror(err));
  }
  if (pid == 0) {
    if (options_.own_group) setpgid(0, 0);
    if (options_.no_aslr) personality(static_cast<unsigned long>(personality(0xffffffff)) | ADDR_NO_RANDOMIZE);
    if (options_.stdio_fd >= 0)
      for (int fd = 0; fd < 3; ++fd) dup2(options_.stdio_fd, fd);
    for (int fd : options_.keep_fds)
      if (fd >= 0) fcntl(fd, F_SETFD, 0);
    gate_.restore_in_child();
    image.exec(pipefd[1]);
  }
  if (options_.own_group) setpgid(pid, pid);
  close(pipefd[1]);
  pid_ = pid;
  outcome_ = Outcome{};
  outcome_.pid = pid;
  watchdog_.set_child(pid);
  exec_pipe_ = pipefd[0];
  if (options_.wait_exec) {
    int err = 0;
    ssize_t n;
    do n = read(exec_pipe_, &err, sizeof err);
    while (n < 0 && errno == EINTR);
    close(exec_pipe_);
    exec_pipe_ = -1;
    if (n == static_cast<ssize_t>(sizeof err)) {
      outcome_.exec_errno = err;
      int status;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = 0;
      throw Error(display + ": cannot execute: " + std::strerror(err));
    }
  }
}

// The copy's pid, once the fork server forked it.
bool Supervisor::know_copy() {
  if (!awaiting_copy_) return true;
  const pid_t copy = options_.server->copy_pid();
  if (copy <= 0) return false;
  awaiting_copy_ = false;
  pid_ = copy;
  outcome_.pid = copy;
  watchdog_.set_child(copy);
  return true;
}

bool Supervisor::step(uint64_t now) {
  if (awaiting_copy_ && !know_copy()) {
    // Not forked yet, or it could not fork: then its status says so. The
    // status wakes the wait; the pid is looked for again in a millisecond.
    int status = 0;
    if (!reaped(&status)) {
      next_audit_ns_ = now + 1'000'000ull;
      return false;
    }
    awaiting_copy_ = false;
    outcome_.status = status;
    outcome_.elapsed_ns = now - start_ns_;
    return true;
  }
  if (pid_ <= 0) return true;
  int status = 0;
  if (reaped(&status)) {
    outcome_.status = status;
    outcome_.elapsed_ns = now - start_ns_;
    if (options_.own_group) kill(-pid_, SIGKILL);
    pid_ = 0;
    return true;
  }
  if (options_.timeout_ns && !outcome_.timed_out && now - start_ns_ >= *options_.timeout_ns) {
    outcome_.timed_out = true;
    if (options_.kill_after_ns) {
      kill(pid_, SIGTERM);  // as timeout -k: the program may finish first
      outcome_.terminated = true;
    } else {
      kill_tree(pid_, options_.own_group);
    }
  }
  if (outcome_.terminated && !outcome_.killed_after &&
      now - start_ns_ >= *options_.timeout_ns + *options_.kill_after_ns) {
    kill_tree(pid_, options_.own_group);
    outcome_.killed_after = true;
  }
  watchdog_.poll(now);
  watch_exit(now);
  if (now >= next_audit_ns_) {
    if (options_.audit) audit_.sample();
    // Entries are freed only when the run needs them: most runs never
    // start 512 processes, and harvesting costs a look at each.
    try {
      auto& h = const_cast<wire::Header&>(run_file_.read());
      if (h.next_process.load(std::memory_order_relaxed) > wire::kMaxProcesses / 2) ledger_.harvest(h);
    } catch (const Error&) {
    }
    next_audit_ns_ = now + kAuditIntervalNs;
  }
  return false;
}

uint64_t Supervisor::next_step_ns(uint64_t now) const {
  uint64_t at = std::max(next_audit_ns_, now);
  if (options_.expect_exit_ns) {
    const auto& ev = outcome_.no_exit;
    if (!ev || (ev->expired && !ev->ended)) at = std::min(at, now + kExitPollNs);
    else if (!ev->expired) at = std::min(at, std::max(now, ev->reached_ns + options_.expect_exit_ns));
  }
  if (watchdog_.enabled()) at = std::min(at, now + watchdog_.interval_ns());
  if (options_.timeout_ns && !outcome_.timed_out) at = std::min(at, start_ns_ + *options_.timeout_ns);
  if (outcome_.terminated && !outcome_.killed_after)
    at = std::min(at, start_ns_ + *options_.timeout_ns + *options_.kill_after_ns);
  return at;
}

bool Supervisor::reaped(int* status) {
  if (options_.server) {
    const std::optional<int> st = options_.server->poll();
    if (st) *status = *st;
    return st.has_value();
  }
  // Exited? Look at its handlers one last time (a zombie still shows them),
  // then reap it.
  siginfo_t si{};
  const int w = waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT);
  if (!((w == 0 && si.si_pid == pid_) || (w < 0 && errno == ECHILD))) return false;
  if (options_.audit) audit_.sample_final(pid_);
  while (waitpid(pid_, status, 0) < 0 && errno == EINTR) {
  }
  return true;
}

int Supervisor::wake_fd() const { return options_.server && running() ? options_.server->status_fd() : -1; }
void Supervisor::signal_reached(int sig, uint64_t now, std::string how) {
  if (!options_.expect_exit_ns || sig <= 0 || sig > 64 || !(options_.exit_signals >> (sig - 1) & 1)) return;
  if (outcome_.no_exit && outcome_.no_exit->reached_ns <= now) return;
  if (outcome_.no_exit && outcome_.no_exit->expired) return;
  NoExitEvent ev;
  ev.signal = sig;
  ev.reached_ns = now;
  ev.how = std::move(how);
  outcome_.no_exit = std::move(ev);
}

// --expect-exit: notices the first termination signal that reached the
// program (an --inject that fired, a handler of the program that ran for
// it; what sigstorm forwarded comes through signal_reached), then, past
// the deadline, asks every thread of the tree for its stack and ends it.
void Supervisor::watch_exit(uint64_t now) {
  if (!options_.expect_exit_ns) return;
  const wire::Header* h = nullptr;
  try {
    h = &run_file_.read();
  } catch (const Error&) {
    return;
  }
  if (!outcome_.no_exit || !outcome_.no_exit->expired) {
    const wire::Config& c = h->config;
    const uint32_t used = std::min(h->next_process.load(std::memory_order_acquire), wire::kMaxProcesses);
    std::map<int, std::string> injected;  // signal -> the spec that sent it
    for (uint32_t k = 0; k < used; ++k) {
      const wire::Process& p = h->processes[k];
      if (p.state.load(std::memory_order_acquire) != wire::kReady) continue;
      for (uint32_t i = 0; i < std::min(c.injection_count, wire::kMaxInjections); ++i)
        if (p.fired[i].load(std::memory_order_relaxed) > 0)
          injected.emplace(c.injections[i].signal,
                           "--inject " + std::string(c.injections[i].text, strnlen(c.injections[i].text, wire::kSpecTextLen)));
    }
    for (const auto& [sig, how] : injected) signal_reached(sig, now, how);
    // A handler of the program ran for it: the exact time; sent from
    // outside unless an injection sent it.
    for (uint32_t k = 0; k < used; ++k) {
      const wire::Process& p = h->processes[k];
      if (p.state.load(std::memory_order_acquire) != wire::kReady) continue;
      if (const uint64_t at = p.exit_signal_ns.load(std::memory_order_acquire)) {
        const int sig = p.exit_signal.load(std::memory_order_acquire);
        const auto inj = injected.find(sig);
        signal_reached(sig, at, inj != injected.end() ? inj->second : "sent to pid " + std::to_string(p.pid));
      }
    }
  }
  if (!outcome_.no_exit) return;
  NoExitEvent& ev = *outcome_.no_exit;
  if (!ev.expired && now >= ev.reached_ns + options_.expect_exit_ns) {
    ev.expired = true;
    ev.probed_ns = now;
    ev.pids = {pid_};
    descendant_pids(pid_, ev.pids);
    for (int pid : ev.pids) ev.threads += probe_threads(pid);
  }
  if (!ev.expired || ev.ended) return;
  const size_t answered = no_exit_records(*h);
  if (answered >= ev.threads || now - ev.probed_ns >= kExitProbeWaitNs ||
      (answered > 0 && now - ev.probed_ns >= kExitProbeQuietNs)) {
    ev.ended = true;
    for (int pid : ev.pids) kill(pid, SIGKILL);
    kill_tree(pid_, options_.own_group);
  }
}

void Supervisor::stop() {
  if (awaiting_copy_) {  // the fork is a matter of microseconds
    for (int i = 0; i < 100000 && !know_copy(); ++i) usleep(10);
    if (awaiting_copy_) {
      awaiting_copy_ = false;
      outcome_.status = options_.server->wait();
      return;
    }
  }
  if (pid_ <= 0) return;
  kill_tree(pid_, options_.own_group);
  int status = 0;
  if (options_.server) status = options_.server->wait();
  else
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  outcome_.status = status;
  outcome_.elapsed_ns = monotonic_ns() - start_ns_;
  pid_ = 0;
}

Outcome Supervisor::finish() {
  if (exec_pipe_ >= 0) {
    int err = 0;
    if (read(exec_pipe_, &err, sizeof err) == static_cast<ssize_t>(sizeof err)) outcome_.exec_errno = err;
    close(exec_pipe_);
    exec_pipe_ = -1;
  }
  if (options_.audit) audit_.sample();  // what is still running (daemons)
  if (options_.straggler_grace_ns && !outcome_.timed_out) {
    // Processes that outlive the program (daemons, orphans, `cmd &`) get a
    // grace period, so that what they find still makes the report. sigstorm
    // is their child subreaper: "sigstorm has children" is "the run still
    // has processes", without races.
    const uint64_t deadline = monotonic_ns() + options_.straggler_grace_ns;
    for (;;) {
      int status;
      pid_t reaped;
      while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
      }
      if (reaped < 0 && errno == ECHILD) break;
      const uint64_t now = monotonic_ns();
      // Until the next child ends (SIGCHLD is the gate's), not a poll: the
      // run ends as soon as its last process does. SIGTERM or SIGHUP for
      // sigstorm ends the wait.
      if (now >= deadline || gate_.wait(deadline - now) != 0) {
        outcome_.stragglers = std::max<size_t>(descendants(getpid()), 1);
        break;
      }
    }
  }
  share_.reset();
  outcome_.hangs = watchdog_.events();
  outcome_.unchecked = audit_.unchecked();
  return outcome_;
}

int wait_for_step(const SignalGate& gate, const std::vector<Supervisor*>& running, siginfo_t* info) {
  const uint64_t now = monotonic_ns();
  uint64_t at = now + kAuditIntervalNs;
  std::vector<int> fds;
  for (const Supervisor* s : running) {
    if (!s->running()) continue;
    at = std::min(at, s->next_step_ns(now));
    if (s->wake_fd() >= 0) fds.push_back(s->wake_fd());
  }
  return gate.wait(at > now ? at - now : 0, fds, info);
}

}  // namespace sigstorm
