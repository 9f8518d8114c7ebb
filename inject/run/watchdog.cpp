#include "inject/run/watchdog.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "inject/error.h"
#include "inject/run/run_file.h"

namespace sigstorm {
namespace {

// How long the shim gets to answer a probe before the run ends anyway.
constexpr uint64_t kProbeWaitNs = 1'000'000'000ull;

}  // namespace

HangWatchdog::HangWatchdog(HeaderSource header, uint64_t hang_timeout_ns, bool enabled, EndRun end)
    : header_(std::move(header)),
      timeout_ns_(hang_timeout_ns),
      enabled_(enabled && hang_timeout_ns > 0),
      end_(std::move(end)) {}

HangWatchdog::HangWatchdog(const RunFile& run_file, uint64_t hang_timeout_ns, pid_t child, bool enabled)
    : HangWatchdog(
          [&run_file]() -> const wire::Header* {
            try {
              return &run_file.read();
            } catch (const Error&) {
              return nullptr;
            }
          },
          hang_timeout_ns, enabled, nullptr) {
  child_ = child;
  // The run is ended, not left hanging.
  end_ = [this](const HangEvent& ev) {
    kill(ev.pid, SIGKILL);
    if (child_ > 0 && ev.pid != child_) kill(child_, SIGKILL);
  };
}

uint64_t HangWatchdog::interval_ns() const {
  return std::clamp<uint64_t>(timeout_ns_ / 8, 1'000'000ull, 100'000'000ull);
}

void HangWatchdog::poll(uint64_t now, uint32_t first_record) {
  if (!enabled_) return;
  const wire::Header* h = header_();
  if (!h) {
    enabled_ = false;  // the run memory is broken; the report will say so
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
    for (const wire::Record* r : ready_records(*h, first_record))
      ev.recorded = ev.recorded || (r->kind == wire::kHandlerHang && r->tid == ev.tid && r->pid == ev.pid);
    if (ev.recorded || now - ev.probed_ns >= kProbeWaitNs) {
      ev.ended = true;
      if (end_) end_(ev);
    }
  }
}

}  // namespace sigstorm
