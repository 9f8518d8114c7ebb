#include "preload/recorder.h"

#include <errno.h>
#include <fcntl.h>

#include "preload/cold_bss.h"
#include "preload/stack.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/table.h"

namespace sigstorm {

wire::Process* g_process SIGSTORM_HOT = nullptr;
bool g_exec_left_slot SIGSTORM_HOT = false;

namespace {
// This image's program, as its entry says it: a fork child copies it from
// its own memory, not from the parent's entry (a page of the run file).
char g_exe[wire::kModulePathLen] SIGSTORM_HOT;
}  // namespace

namespace {

constexpr uint32_t kSlots = 2048;  // power of two
constexpr int32_t kDropped = -1;

// index: 0 while the claiming thread writes the record, then record + 1.
struct Slot {
  std::atomic<uint64_t> key;
  std::atomic<int32_t> index;
};
Slot g_merge[kSlots] SIGSTORM_COLD_BSS;
std::atomic<bool> g_merge_used SIGSTORM_HOT{false};  // a slot was claimed: a fork child has some to forget

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

// The merge key of docs/DESIGN.md: kind, function, handler. Here the
// function is the called one (fn), or for a crash the faulting instruction
// (site), which the report names by its function.
uint64_t key_of(const Observation& f) {
  uint64_t h = mix(0, f.kind);
  h = mix(h, (uint64_t)(f.fn + 1));
  h = mix(h, (uintptr_t)f.handler);
  // Audit findings share fn -1: the symbol tells them apart.
  for (const char* c = f.symbol; c && *c; ++c) h = mix(h, (unsigned char)*c);
  h = mix(h, f.merge_extra);
  if (f.kind == wire::kHandlerCrash) h = mix(h, f.site);
  return h ? h : 1;
}

int32_t append(const Observation& f, int tid) {
  wire::Header* run = g_run;
  const uint32_t limit = run->config.record_limit && run->config.record_limit < wire::kMaxRecords
                             ? run->config.record_limit
                             : wire::kMaxRecords;
  uint32_t idx = run->next_record.fetch_add(1, std::memory_order_relaxed);
  if (idx >= limit) {
    run->dropped_records.fetch_add(1, std::memory_order_relaxed);
    return kDropped;
  }
  wire::Record& r = run->records[idx];
  r.state.store(wire::kWriting, std::memory_order_relaxed);
  r.first_ns = sys::now_ns();  // before the stack walk, which may read /proc/self/maps
  r.kind = f.kind;
  r.pid = sys::getpid();
  r.tid = tid;
  r.signal = f.sig;
  r.aux_signal = f.aux_signal;
  r.errno_before = f.errno_before;
  r.errno_after = f.errno_after;
  r.function = f.fn;
  uint32_t k = 0;
  for (const char* c = f.symbol; c && *c && k + 1 < wire::kSymbolLen; ++c) r.symbol[k++] = *c;
  r.symbol[k] = 0;
  for (auto& w : r.inner) w.store(0, std::memory_order_relaxed);
  r.value = f.value;
  if (f.handler) resolve_one((uintptr_t)f.handler, 0, &r.handler);
  else r.handler = wire::Frame{};

  RawStack raw;
  if (f.stack) {
    raw = *f.stack;
  } else if (!f.no_stack) {
    if (f.top) {
      raw.pc[0] = (uintptr_t)f.top;
      raw.flags[0] = 0;
      raw.n = 1;
    }
    capture_stack(&raw, f.skip_signal_frames);
  }
  if (raw.n) resolve_frames(raw, r.frames);
  r.nframes = raw.n;
  r.count.store(1, std::memory_order_relaxed);
  r.state.store(wire::kReady, std::memory_order_release);
  return (int32_t)idx;
}

}  // namespace

void note_inner_call(int32_t ref, int fn) {
  wire::Header* run = g_run;
  if (!run || ref <= 0 || (uint32_t)ref > wire::kMaxRecords || fn < 0 || fn >= (int)wire::kMaxFunctions) return;
  run->records[ref - 1].inner[fn / 64].fetch_or(1ull << (fn % 64), std::memory_order_relaxed);
}

int32_t record(const Observation& f, bool* appended) {
  if (appended) *appended = false;
  if (!g_run) return 0;
  ThreadState& ts = t_state;
  if (ts.in_shim) return 0;  // a fault inside our own bookkeeping: let it be
  int32_t ref = 0;
  const int saved_errno = errno;
  ts.in_shim++;
  {
    sys::BlockAll blocked;
    if (!ts.tid) ts.tid = sys::gettid();
    const uint64_t key = key_of(f);
    wire::Header* run = g_run;
    for (uint32_t probe = 0; probe < kSlots; ++probe) {
      Slot& s = g_merge[(key + probe) & (kSlots - 1)];
      uint64_t k = s.key.load(std::memory_order_acquire);
      if (k == 0) {
        uint64_t expected = 0;
        g_merge_used.store(true, std::memory_order_relaxed);  // before the claim: a fork may come between
        if (s.key.compare_exchange_strong(expected, key)) {
          g_merge_used.store(true, std::memory_order_relaxed);
          int32_t idx = append(f, ts.tid);
          s.index.store(idx >= 0 ? idx + 1 : kDropped, std::memory_order_release);
          ref = idx >= 0 ? idx + 1 : 0;
          if (appended) *appended = idx >= 0;
          break;
        }
        k = expected;
      }
      if (k != key) continue;
      int32_t idx = s.index.load(std::memory_order_acquire);
      // Another thread is writing this very finding: it takes microseconds.
      for (int spin = 0; idx == 0 && spin < 1000000; ++spin) {
        sys::cpu_relax();
        idx = s.index.load(std::memory_order_acquire);
      }
      if (idx > 0) {
        run->records[idx - 1].count.fetch_add(1, std::memory_order_relaxed);
        ref = idx;
      } else {
        run->dropped_records.fetch_add(1, std::memory_order_relaxed);
      }
      break;
    }
  }
  ts.in_shim--;
  errno = saved_errno;
  return ref;
}

namespace {

// `exe`: the program, when the caller knows it (a fork child runs its
// parent's), else read from /proc/self/exe.
SIGSTORM_HOT_TEXT void fill(wire::Process& p, int pid, const char* exe) {
  p.pid = pid;
  p.ppid = sys::getppid();
  p.execing.store(0, std::memory_order_relaxed);
  p.report.store(wire::kReportNone, std::memory_order_relaxed);  // a new image has not reported yet
  p.images++;
  if (!exe || !exe[0]) {
    long n = sys::readlink("/proc/self/exe", g_exe, sizeof g_exe - 1);
    g_exe[n > 0 ? n : 0] = 0;
  } else if (exe != g_exe) {
    copy_text(g_exe, exe);
  }
  static_assert(sizeof g_exe == sizeof p.exe);
  __builtin_memcpy(p.exe, g_exe, sizeof p.exe);
}

}  // namespace

SIGSTORM_HOT_TEXT void process_start() { process_start_as(nullptr); }

SIGSTORM_HOT_TEXT void process_start_as(const char* exe) {
  wire::Header* run = g_run;
  g_process = nullptr;
  if (!run) return;
  // Its callers set g_owner_pid to this process's pid just before (the
  // constructor, a fork child, a fork server's copy).
  const int pid = g_owner_pid ? g_owner_pid : sys::getpid();
  // A fork child (exe given) claims an entry, which writes this page of the
  // header: its first touch a write too (a read of a page of a file on disk
  // maps it read-only, and the write faults again). Adding 0 changes nothing.
  uint32_t used = exe ? run->next_process.fetch_add(0, std::memory_order_acq_rel)
                      : run->next_process.load(std::memory_order_acquire);
  if (used > wire::kMaxProcesses) used = wire::kMaxProcesses;
  // This pid's entry from before an exec (the exec wrapper marked it): the
  // same process, one more image. Any other entry of this pid is a process
  // that ended and whose pid came back: gone. (Header::process_pids says
  // which entries to look at.)
  for (uint32_t i = 0; i < used; ++i) {
    if (run->process_pids[i].load(std::memory_order_acquire) != pid) continue;
    wire::Process& p = run->processes[i];
    // A write first: the first touch of a page of a file on disk that is a
    // read maps it read-only, and the write then faults a second time. Only
    // this pid's images ever set the mark; fill() clears it as well.
    const uint32_t mark = p.execing.exchange(wire::kExecNone, std::memory_order_acq_rel);
    if (p.state.load(std::memory_order_acquire) != wire::kReady || p.pid != pid) continue;
    if (mark != wire::kExecNone) {
      g_exec_left_slot = mark == wire::kExecSlot;
      fill(p, pid, nullptr);  // a new image
      g_process = &p;
      return;
    }
    p.state.store(wire::kEnded, std::memory_order_release);
    run->process_pids[i].store(0, std::memory_order_release);
  }
  for (uint32_t i = 0; i < wire::kMaxProcesses; ++i) {
    if (run->process_pids[i].load(std::memory_order_relaxed) != 0) continue;  // taken: no need to touch it
    wire::Process& p = run->processes[i];
    uint32_t expected = wire::kFree;
    if (!p.state.compare_exchange_strong(expected, wire::kWriting, std::memory_order_acq_rel)) continue;
    run->process_pids[i].store(pid, std::memory_order_release);
    // A freed slot's counters were zeroed by the CLI before it let go of it.
    p.images = 0;
    fill(p, pid, exe);
    uint32_t hw = run->next_process.load(std::memory_order_relaxed);
    while (hw < i + 1 && !run->next_process.compare_exchange_weak(hw, i + 1)) {
    }
    p.state.store(wire::kReady, std::memory_order_release);
    g_process = &p;
    return;
  }
  run->dropped_processes.fetch_add(1);
}

SIGSTORM_HOT_TEXT void recorder_after_fork() {
  // A parent that recorded nothing leaves the table untouched: writing it
  // would copy its pages (a fork server's copies would pay that every run).
  if (g_merge_used.load(std::memory_order_relaxed)) {
    for (Slot& s : g_merge) {
      s.key.store(0, std::memory_order_relaxed);
      s.index.store(0, std::memory_order_relaxed);
    }
    g_merge_used.store(false, std::memory_order_relaxed);
  }
  if (t_state.tid) t_state.tid = 0;
  // The parent's program: what it wrote into its entry, from its memory.
  process_start_as(g_process ? g_exe : nullptr);
}

}  // namespace sigstorm
