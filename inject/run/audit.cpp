#include "inject/run/audit.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "inject/error.h"
#include "inject/options/signals.h"

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
  for (const wire::Process& p : h.processes) {
    if (p.state.load(std::memory_order_acquire) != wire::kReady || p.pid != pid) continue;
    mask = p.expected_caught.load(std::memory_order_acquire);
  }
  return mask;
}

void HandlerAudit::look(const wire::Header& h, int pid, bool final) {
  const auto want = expected(h, pid);
  if (!want) return;
  const auto caught = caught_signals(pid);
  if (!caught) {
    last_.erase(pid);
    return;
  }
  // glibc's own signals below SIGRTMIN (thread cancellation, setxid) are
  // the C library's business, not the program's handlers.
  uint64_t libc = 0;
  for (int sig = 32; sig < SIGRTMIN && sig <= 64; ++sig) libc |= 1ull << (sig - 1);
  const uint64_t raw = *caught & ~*want & ~libc;
  if (final) {
    if (raw) confirmed_[pid] |= raw;
    last_.erase(pid);
    return;
  }
  const uint64_t before = last_.count(pid) ? last_[pid] : 0;
  if (const uint64_t both = before & raw) confirmed_[pid] |= both;
  last_[pid] = raw;
}

void HandlerAudit::sample() {
  const wire::Header* h = nullptr;
  try {
    h = &run_file_.read();
  } catch (const Error&) {
    return;
  }
  std::set<int> pids;
  for (const wire::Process& p : h->processes)
    if (p.state.load(std::memory_order_acquire) == wire::kReady && p.pid > 0) pids.insert(p.pid);
  for (int pid : pids) look(*h, pid, false);
}

void HandlerAudit::sample_final(int pid) {
  try {
    look(run_file_.read(), pid, true);
  } catch (const Error&) {
  }
}

}  // namespace sigstorm
