// Handlers sigstorm cannot check: a process of the run catches a signal
// (/proc/PID/status SigCgt) that the shim did not install a handler for
// (wire::Process::expected_caught), e.g. with a raw rt_sigaction syscall.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "inject/wire/record_format.h"
#include "inject/run/run_file.h"

namespace sigstorm {

// The SigCgt mask of a live (or zombie) process: bit sig-1 per caught signal.
std::optional<uint64_t> caught_signals(int pid);

// "SIGUSR1, SIGRTMIN+2" for a mask of bit sig-1.
std::string signal_list(uint64_t mask);

class HandlerAudit {
 public:
  explicit HandlerAudit(const RunFile& run_file) : run_file_(run_file) {}

  // Looks at every process of the run that is still there. A signal counts
  // once two looks in a row saw it caught without the shim's handler (the
  // shim publishes right after installing, so one look can be early).
  void sample();
  // One last look at a process that has exited but is not reaped yet: its
  // handlers can no longer change, so what it shows counts at once.
  void sample_final(int pid);

  // pid -> signals caught by handlers the shim did not install.
  const std::map<int, uint64_t>& unchecked() const { return confirmed_; }

 private:
  // The shim's view of pid: its latest Process entry (exec makes a new one).
  std::optional<uint64_t> expected(const wire::Header& h, int pid) const;
  // Compares pid's SigCgt with what the shim installed (`want`, none: not a
  // process of the run). False when the process is gone.
  bool look(int pid, std::optional<uint64_t> want, bool final);

  const RunFile& run_file_;
  std::map<int, uint64_t> last_;
  std::map<int, uint64_t> confirmed_;
  int gone_[wire::kMaxProcesses] = {};  // per entry: the pid a look found gone
};

}  // namespace sigstorm
