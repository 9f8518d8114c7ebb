#include "inject/run/audit.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "inject/error.h"
#include "inject/options/signals.h"
#include "inject/run/process_ledger.h"

namespace sigstorm {

std::optional<uint64_t> caught_signals(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    const char* p = line.c_str() + 7;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(p, &end, 16);
    if (end == p) return std::nullopt;
    return static_cast<uint64_t>(v);
  }
  return std::nullopt;
}

std::string signal_list(uint64_t mask) {
  std::string out;
  for (int sig = 1; sig <= 64; ++sig) {
    if (!(mask & (1ull << (sig - 1)))) continue;
    if (!out.empty()) out += ", ";
    out += signal_name(sig);
  }
  return out;
}

std::optional<uint64_t> HandlerAudit::expected(const wire::Header& h, int pid) const {
  std::optional<uint64_t> mask;
  for (uint32_t i = 0, n = used_processes(h); i < n; ++i) {
    const wire::Process& p = h.processes[i];
    if (p.state.load(std::memory_order_acquire) != wire::kReady || p.pid != pid) continue;
    mask = p.expected_caught.load(std::memory_order_acquire);
  }
  return mask;
}

bool HandlerAudit::look(int pid, std::optional<uint64_t> want, bool final) {
  if (!want) return true;
  const auto caught = caught_signals(pid);
  if (!caught) {
    last_.erase(pid);
    return false;
  }
  // glibc's own signals below SIGRTMIN (thread cancellation, setxid) are
  // the C library's business, not the program's handlers.
  uint64_t libc = 0;
  for (int sig = 32; sig < SIGRTMIN && sig <= 64; ++sig) libc |= 1ull << (sig - 1);
  const uint64_t raw = *caught & ~*want & ~libc;
  if (final) {
    if (raw) confirmed_[pid] |= raw;
    last_.erase(pid);
    return true;
  }
  const uint64_t before = last_.count(pid) ? last_[pid] : 0;
  if (const uint64_t both = before & raw) confirmed_[pid] |= both;
  last_[pid] = raw;
  return true;
}

void HandlerAudit::sample() {
  const wire::Header* h = nullptr;
  try {
    h = &run_file_.read();
  } catch (const Error&) {
    return;
  }
  // One pass over the entries (a look per pid at every entry was 512 x 512
  // page touches every 100 ms on a build); a pid's latest entry wins, as in
  // expected().
  // pid -> its latest entry (the mask the shim published, the entry's index).
  std::map<int, std::pair<uint64_t, uint32_t>> wants;
  for (uint32_t i = 0, n = used_processes(*h); i < n; ++i) {
    const wire::Process& p = h->processes[i];
    if (p.state.load(std::memory_order_acquire) == wire::kReady && p.pid > 0 && gone_[i] != p.pid)
      wants[p.pid] = {p.expected_caught.load(std::memory_order_acquire), i};
  }
  // A process that is gone stays gone: its entry is not looked at again (a
  // build leaves hundreds of them until the ledger takes them out).
  for (const auto& [pid, want] : wants)
    if (!look(pid, want.first, false)) gone_[want.second] = pid;
}

void HandlerAudit::sample_final(int pid) {
  try {
    look(pid, expected(run_file_.read(), pid), true);
  } catch (const Error&) {
  }
}

}  // namespace sigstorm
