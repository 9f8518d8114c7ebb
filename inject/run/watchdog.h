// The hang watchdog: the shim publishes which threads run a handler since
// when (wire::Header::active); the watchdog, which cannot hang with the
// program, probes a thread stuck longer than --hang-timeout (the shim then
// records its stack as a handler-hang finding) and says when the run must
// end. Who ends it is the caller's business: the supervisor kills the
// process tree, the in-process fuzz harness reports and aborts.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "inject/report/symbolize.h"
#include "inject/wire/record_format.h"

namespace sigstorm {

struct HangEvent {
  int pid = 0;
  int tid = 0;
  int signal = 0;
  std::optional<Placed> handler;  // the handler function, placed while the process lived
  uint64_t probed_ns = 0;
  bool recorded = false;          // the shim answered the probe with a record
  bool ended = false;             // the run was ended for it
};

class RunFile;

class HangWatchdog {
 public:
  // The run memory as it is now (null when it is unusable).
  using HeaderSource = std::function<const wire::Header*()>;
  // Ends the run for a hang: called once per event, from poll().
  using EndRun = std::function<void(const HangEvent&)>;
  // Does nothing unless enabled (--check includes handler-hang).
  HangWatchdog(HeaderSource header, uint64_t hang_timeout_ns, bool enabled, EndRun end);
  // A run file's watchdog that ends a run by SIGKILL to the hung process
  // and to `child`, the process sigstorm started.
  HangWatchdog(const RunFile& run_file, uint64_t hang_timeout_ns, pid_t child, bool enabled);

  bool enabled() const { return enabled_; }
  void set_child(pid_t child) { child_ = child; }
  // How often poll() wants to run.
  uint64_t interval_ns() const;
  // Probes newly stuck threads; ends the run once a probe was answered or
  // went unanswered for a while. Records before `first_record` belong to
  // earlier runs (the fuzz harness reuses its run memory).
  void poll(uint64_t now_ns, uint32_t first_record = 0);
  const std::vector<HangEvent>& events() const { return events_; }

 private:
  HeaderSource header_;
  uint64_t timeout_ns_;
  bool enabled_;
  EndRun end_;
  pid_t child_ = 0;
  std::set<std::pair<int, uint64_t>> probed_;  // (tid, since_ns): each hang once
  std::vector<HangEvent> events_;
};

}  // namespace sigstorm
