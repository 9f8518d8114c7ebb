#include "inject/run/process_ledger.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sigstorm {

ProcessEntry snapshot(const wire::Process& p) {
  ProcessEntry e;
  e.pid = p.pid;
  e.ppid = p.ppid;
  e.images = p.images;
  e.exe = std::string(p.exe, strnlen(p.exe, sizeof p.exe));
  for (uint32_t i = 0; i < wire::kMaxInjections; ++i) e.fired[i] = p.fired[i].load(std::memory_order_relaxed);
  e.started = p.started.load(std::memory_order_relaxed);
  e.expected_caught = p.expected_caught.load(std::memory_order_relaxed);
  e.calls.resize(wire::kMaxFunctions);
  for (uint32_t i = 0; i < wire::kMaxFunctions; ++i) e.calls[i] = p.calls[i].load(std::memory_order_relaxed);
  const uint64_t placed = p.handler_placed.load(std::memory_order_acquire);
  for (int sig = 1; sig < static_cast<int>(wire::kSignalSlots); ++sig) {
    const uint64_t ran = p.handled[sig].load(std::memory_order_relaxed);
    if (!ran) continue;
    ProcessEntry::Handled h;
    h.signal = sig;
    h.ran = ran;
    h.at_call = p.handled_at_call[sig].load(std::memory_order_relaxed);
    h.in_syscall = p.handled_in_syscall[sig].load(std::memory_order_relaxed);
    for (uint32_t w = 0; w < wire::kMaxFunctions / 64; ++w) {
      const uint64_t bits = p.interrupted[sig][w].load(std::memory_order_relaxed);
      for (int b = 0; b < 64; ++b)
        if (bits >> b & 1) h.interrupted.push_back(static_cast<int>(w * 64 + b));
    }
    if (placed >> (sig - 1) & 1) h.handler = p.handler_frame[sig];
    e.handled.push_back(std::move(h));
  }
  return e;
}

namespace {

// kill(pid, 0) fails with ESRCH once the process is reaped. A zombie keeps
// its entry until its parent reaps it: the counts are final by then anyway,
// and the exit audit still reads it.
bool gone(int pid) { return pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH); }

}  // namespace

void clear_entry(wire::Process& p) {
  for (auto& f : p.fired) f.store(0, std::memory_order_relaxed);
  for (auto& c : p.calls) c.store(0, std::memory_order_relaxed);
  p.started.store(0, std::memory_order_relaxed);
  p.expected_caught.store(0, std::memory_order_relaxed);
  for (auto& h : p.handled) h.store(0, std::memory_order_relaxed);
  for (auto& h : p.handled_at_call) h.store(0, std::memory_order_relaxed);
  for (auto& h : p.handled_in_syscall) h.store(0, std::memory_order_relaxed);
  for (auto& row : p.interrupted)
    for (auto& w : row) w.store(0, std::memory_order_relaxed);
  p.handler_placed.store(0, std::memory_order_relaxed);
  p.images = 0;
  p.execing.store(0, std::memory_order_relaxed);
  p.pid = p.ppid = 0;
  p.exe[0] = 0;
}

void clear_processes(wire::Header& header, uint32_t n) {
  for (uint32_t i = 0; i < n && i < wire::kMaxProcesses; ++i) {
    clear_entry(header.processes[i]);
    header.process_pids[i].store(0, std::memory_order_relaxed);
  }
}

size_t ProcessLedger::harvest(wire::Header& header) {
  size_t n = 0;
  for (uint32_t i = 0, used = used_processes(header); i < used; ++i) {
    wire::Process& p = header.processes[i];
    const uint32_t state = p.state.load(std::memory_order_acquire);
    if (state != wire::kEnded && !(state == wire::kReady && gone(p.pid))) continue;
    ended_.push_back(snapshot(p));
    clear_entry(p);
    header.process_pids[i].store(0, std::memory_order_relaxed);
    p.state.store(wire::kFree, std::memory_order_release);  // the shim may claim it now
    ++n;
  }
  return n;
}

std::vector<ProcessEntry> all_processes(const wire::Header& header, const ProcessLedger* ledger) {
  std::vector<ProcessEntry> out;
  if (ledger) out = ledger->ended();
  for (uint32_t i = 0, n = used_processes(header); i < n; ++i) {
    const wire::Process& p = header.processes[i];
    const uint32_t state = p.state.load(std::memory_order_acquire);
    if (state == wire::kReady || state == wire::kEnded) out.push_back(snapshot(p));
  }
  return out;
}

}  // namespace sigstorm
