#include "inject/run/watchdog.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "inject/error.h"

namespace sigstorm {
namespace {

// How long the shim gets to answer a probe before the run ends anyway.
constexpr uint64_t kProbeWaitNs = 1'000'000'000ull;

}  // namespace

HangWatchdog::HangWatchdog(const RunFile& run_file, uint64_t hang_timeout_ns, pid_t child, bool enabled)
    : run_file_(run_file), timeout_ns_(hang_timeout_ns), child_(child), enabled_(enabled && hang_timeout_ns > 0) {}

uint64_t HangWatchdog::interval_ns() const {
  return std::clamp<uint64_t>(timeout_ns_ / 8, 1'000'000ull, 100'000'000ull);
}

void HangWatchdog::poll(uint64_t now) {
  if (!enabled_) return;
  const wire::Header* h = nullptr;
  try {
    h = &run_file_.read();
  } catch (const Error&) {
    enabled_ = false;  // the run file is broken; collect() will say so
    return;
  }
  const int probe = SIGRTMAX - wire::kProbeSignalFromMax;
  for (const wire::Active& a : h->active) {
    const int tid = a.tid.load(std::memory_order_acquire);
    if (tid == 0) continue;
    const uint64_t since = a.since_ns.load(std::memory_order_acquire);
    if (since == 0 || now < since || now - since < timeout_ns_) continue;
    if (!probed_.insert({tid, since}).second) continue;
    HangEvent ev;
    ev.pid = a.pid;
    ev.tid = tid;
    ev.signal = a.signal;
    ev.handler = place_in_process(a.pid, a.handler);
    ev.probed_ns = now;
    if (ev.pid <= 0 || syscall(SYS_tgkill, ev.pid, ev.tid, probe) != 0) continue;  // gone meanwhile
    events_.push_back(std::move(ev));
  }
  for (HangEvent& ev : events_) {
    if (ev.ended) continue;
    if (!ev.recorded) {
      for (const wire::Record& r : h->records) {
        if (r.state.load(std::memory_order_acquire) == wire::kReady && r.kind == wire::kHandlerHang &&
            r.tid == ev.tid && r.pid == ev.pid) {
          ev.recorded = true;
          break;
        }
      }
    }
    if (ev.recorded || now - ev.probed_ns >= kProbeWaitNs) {
      // The run is ended, not left hanging.
      kill(ev.pid, SIGKILL);
      if (child_ > 0 && ev.pid != child_) kill(child_, SIGKILL);
      ev.ended = true;
    }
  }
}

}  // namespace sigstorm
