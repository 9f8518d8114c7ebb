// The hang watchdog of `sigstorm run`: the shim publishes which threads run
// a handler since when (wire::Header::active); the CLI, which cannot hang
// with the program, probes a thread stuck longer than --hang-timeout (the
// shim then records its stack as a handler-hang finding) and ends the run.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "inject/run/run_file.h"
#include "inject/report/symbolize.h"

namespace sigstorm {

struct HangEvent {
  int pid = 0;
  int tid = 0;
  int signal = 0;
  std::optional<Placed> handler;  // the handler function, placed while the process lived
  uint64_t probed_ns = 0;
  bool recorded = false;          // the shim answered the probe with a record
  bool ended = false;             // the run was ended (SIGKILL)
};

class HangWatchdog {
 public:
  // Does nothing unless enabled (--check includes handler-hang).
  HangWatchdog(const RunFile& run_file, uint64_t hang_timeout_ns, pid_t child, bool enabled);

  bool enabled() const { return enabled_; }
  // How often poll() wants to run.
  uint64_t interval_ns() const;
  // Probes newly stuck threads; ends the run once a probe was answered or
  // went unanswered for a while.
  void poll(uint64_t now_ns);
  void set_child(pid_t child) { child_ = child; }
  const std::vector<HangEvent>& events() const { return events_; }

 private:
  const RunFile& run_file_;
  uint64_t timeout_ns_;
  pid_t child_;
  bool enabled_;
  std::set<std::pair<int, uint64_t>> probed_;  // (tid, since_ns): each hang once
  std::vector<HangEvent> events_;
};

}  // namespace sigstorm
