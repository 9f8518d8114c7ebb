// The supervisor of one run: starts the program (fork, exec), then, until
// the program is gone, is its hang watchdog, its unchecked-handler audit,
// the keeper of the process ledger and of --timeout; at the end it waits
// for stragglers. `sigstorm run` drives one, `sigstorm fuzz` one per job.
// What it saw comes back as one Outcome (inject/run/pipeline.h turns that
// into the report).
#pragma once
#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inject/run/audit.h"
#include "inject/run/process_ledger.h"
#include "inject/run/run_file.h"
#include "inject/run/run_file_share.h"
#include "inject/run/watchdog.h"

namespace sigstorm {

// What a forked child execs, built before the fork so that nothing
// allocates after it: PATH with ARGV and ENV, or `/bin/sh PATH ARGV[1..]`
// for a script without #! (as execvp does).
class ExecImage {
 public:
  ExecImage(std::string path, std::vector<std::string> argv, std::vector<std::string> env);
  ExecImage(const ExecImage&) = delete;
  ExecImage& operator=(const ExecImage&) = delete;
  // In the child: execs. When that fails, writes errno to ERR_FD (the
  // parent's exec pipe) and exits 127.
  [[noreturn]] void exec(int err_fd) const;

 private:
  std::string path_;
  std::vector<std::string> argv_, env_, sh_;
  std::vector<char*> argv_p_, env_p_, sh_p_;
};

// The CLI's own signals while it supervises: SIGCHLD (and those it waits
// for) blocked, to be taken with wait(); the terminal's SIGINT and SIGQUIT
// ignored when asked (the program gets them too, and sigstorm waits for it
// to react). A child gets back what sigstorm was started with.
class SignalGate {
 public:
  SignalGate(const std::vector<int>& taken, bool ignore_terminal);
  ~SignalGate();
  SignalGate(const SignalGate&) = delete;
  SignalGate& operator=(const SignalGate&) = delete;
  // Waits up to ns for one of the taken signals, or until one of `fds`
  // is readable; returns the signal, or 0. `info`, when given, says who
  // sent it (SI_KERNEL: the terminal, which sent it to the program too).
  int wait(uint64_t ns, const std::vector<int>& fds = {}, siginfo_t* info = nullptr) const;
  // In a forked child, before exec.
  void restore_in_child() const;

 private:
  sigset_t taken_, orig_mask_;
  struct sigaction old_int_ {}, old_quit_ {}, old_chld_ {};
  bool ignore_terminal_;
  mutable int signal_fd_ = -1;  // the taken signals, for waits that also watch descriptors
};

class ForkServer;

struct SupervisorOptions {
  uint64_t hang_timeout_ns = 0;
  bool hang_check = true;
  std::optional<uint64_t> timeout_ns;   // ends the run (SIGKILL) after this long
  std::optional<uint64_t> kill_after_ns;  // at the timeout SIGTERM first, SIGKILL this much later
  bool own_group = false;               // the program's tree gets a process group, killed whole at the end
  int stdio_fd = -1;                    // >= 0: the program's stdin, stdout and stderr
  bool no_aslr = false;                 // stable addresses (fuzzing compares call sites across runs)
  bool audit = true;                    // the unchecked-handler audit
  bool share = true;                    // serve the run file to processes that dropped privileges
  bool wait_exec = true;                // learn at once whether exec worked (else at finish())
  uint64_t straggler_grace_ns = 0;      // how long processes that outlive the program may finish
  int keep_fds[2] = {-1, -1};           // stay open across the exec (a fork server's pipe ends)
  ForkServer* server = nullptr;         // the program is a copy this fork server forks, not a fork+exec
  uint64_t expect_exit_ns = 0;          // --expect-exit: the tree ends this soon after an exit signal
  uint64_t exit_signals = 0;            // bit sig - 1
};

// --expect-exit: when a termination signal first reached the program, and
// what was found when the program outlived the deadline.
struct NoExitEvent {
  int signal = 0;
  uint64_t reached_ns = 0;   // CLOCK_MONOTONIC
  std::string how;           // "--inject SPEC", "forwarded by sigstorm", "sent to pid N"
  bool expired = false;      // the tree was still there at reached + DUR
  uint64_t probed_ns = 0;
  size_t threads = 0;        // threads asked for their stacks
  std::vector<int> pids;     // processes still running at the deadline
  bool ended = false;        // and sigstorm ended them
};

struct Outcome {
  pid_t pid = 0;
  int status = 0;                       // waitpid's
  bool timed_out = false;
  bool terminated = false;              // the timeout sent SIGTERM (--kill-after)
  bool killed_after = false;            // and it had to send SIGKILL later
  int exec_errno = 0;                   // exec failed in the child: nothing ran
  uint64_t elapsed_ns = 0;
  size_t stragglers = 0;                // processes still running after the grace period
  std::vector<HangEvent> hangs;
  std::map<int, uint64_t> unchecked;    // pid -> signals caught by handlers the shim did not install
  std::optional<NoExitEvent> no_exit;   // --expect-exit: a termination signal reached the program
};

class Supervisor {
 public:
  Supervisor(RunFile& run_file, const SignalGate& gate, SupervisorOptions options);
  ~Supervisor();  // a program still running is killed
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Forks and execs. With wait_exec, throws sigstorm::Error when the exec
  // itself failed ("DISPLAY: cannot execute: ...").
  void start(const ExecImage& image, const std::string& display);
  bool running() const { return pid_ > 0 || awaiting_copy_; }
  pid_t pid() const { return outcome_.pid; }
  // One look: reaps the program if it ended (true then), runs the watchdog,
  // the audit, the ledger and the timeout.
  bool step(uint64_t now_ns);
  // When step() wants to run next.
  uint64_t next_step_ns(uint64_t now_ns) const;
  // A descriptor that becomes readable when the program ended (a fork
  // server's status pipe), or -1: SIGCHLD says it.
  int wake_fd() const;
  // Ends the program now (another job found something, sigstorm was interrupted).
  void stop();
  // sigstorm itself passed `sig` on to the program (or the terminal sent it
  // to both): for --expect-exit.
  void signal_reached(int sig, uint64_t now_ns, std::string how);
  // After step() said the program is gone: stragglers, the last look.
  Outcome finish();

  // A descriptor the program gets across its exec (before start()).
  void keep_fd(int fd) { options_.keep_fds[0] = fd; }
  RunFile& run_file() { return run_file_; }
  const ProcessLedger& ledger() const { return ledger_; }

 private:
  RunFile& run_file_;
  const SignalGate& gate_;
  SupervisorOptions options_;
  HangWatchdog watchdog_;
  HandlerAudit audit_;
  ProcessLedger ledger_;
  std::unique_ptr<RunFileShare> share_;
  pid_t pid_ = 0;
  int exec_pipe_ = -1;
  void watch_exit(uint64_t now_ns);
  uint64_t start_ns_ = 0, next_audit_ns_ = 0;
  Outcome outcome_;
  bool awaiting_copy_ = false;  // asked the fork server for a copy, its pid not known yet
  bool reaped(int* status);
  bool know_copy();
};

// Waits until the soonest step of any running supervisor or a taken signal;
// returns the signal or 0.
int wait_for_step(const SignalGate& gate, const std::vector<Supervisor*>& running, siginfo_t* info = nullptr);

uint64_t monotonic_ns();

// Every process below `pid` (an nginx master and its workers are three).
size_t descendants(pid_t pid);
// The same, as pids, appended to `out`.
void descendant_pids(pid_t pid, std::vector<int>& out);

}  // namespace sigstorm
