// no-exit (--expect-exit): the CLI asks each thread of a program that did
// not end in time for its stack, with the probe signal queued with
// wire::kProbeNoExit. A thread answers with its C stack; in a Python
// interpreter the first thread to answer records every Python thread's
// stack instead (faulthandler's own dump, _Py_DumpTracebackThreads, which
// is async-signal-safe by design), since the C frames of an interpreter say
// nothing about where the program waits.
#include <dlfcn.h>
#include <errno.h>
#include <sys/mman.h>

#include "preload/cold_bss.h"
#include "preload/handlers.h"
#include "preload/recorder.h"
#include "preload/state.h"
#include "preload/sys.h"

namespace sigstorm {
namespace {

using DumpThreads = const char* (*)(int fd, void* interp, void* tstate);
DumpThreads g_py_dump = nullptr;
std::atomic<int> g_py_state{0};  // 0: not yet, 1: dumping, 2: dumped (C stacks no longer wanted)

constexpr size_t kDumpMax = 60 * 1024;
char g_dump[kDumpMax] SIGSTORM_COLD_BSS;

bool starts(const char* p, const char* end, const char* prefix) {
  for (; *prefix; ++p, ++prefix)
    if (p >= end || *p != *prefix) return false;
  return true;
}

template <size_t N>
void put(char (&dst)[N], const char* b, const char* e) {
  size_t i = 0;
  for (; b < e && i + 1 < N; ++b) dst[i++] = *b;
  dst[i] = 0;
}

// One Python thread of the dump: its label ("Current thread 0x...") and its
// `  File "F", line N in FUNC` lines, innermost first as faulthandler writes them.
void record_python_thread(int exit_sig, const char* label, const char* label_end, const char* body, const char* end,
                          bool current, uint32_t index) {
  Observation f{wire::kNoExit};
  f.sig = exit_sig;
  f.no_stack = true;
  f.merge_extra = 0x7079746800000000ull | index;
  bool appended = false;
  const int32_t idx = record(f, &appended) - 1;  // a note goes only to a record this call wrote
  if (!appended) return;
  if (!current) g_run->records[idx].tid = 0;  // a Python thread: faulthandler knows it by pthread id only
  const uint32_t n = g_run->next_note.fetch_add(1, std::memory_order_relaxed);
  if (n >= wire::kMaxNotes) return;
  wire::Note& note = g_run->notes[n];
  note.state.store(wire::kWriting, std::memory_order_relaxed);
  note.record = (uint32_t)idx;
  put(note.handler, label, label_end);
  uint32_t k = 0;
  for (const char* p = body; p < end && k < wire::kMaxFrames;) {
    const char* eol = p;
    while (eol < end && *eol != '\n') ++eol;
    // `  File "x.py", line 12 in worker`
    const char* q = p;
    while (q < eol && *q == ' ') ++q;
    if (starts(q, eol, "File \"")) {
      q += 6;
      const char* fe = q;
      while (fe < eol && *fe != '"') ++fe;
      wire::NoteFrame& fr = note.frames[k];
      put(fr.file, q, fe);
      fr.line = 0;
      const char* l = fe;
      while (l < eol && (*l < '0' || *l > '9')) ++l;
      for (; l < eol && *l >= '0' && *l <= '9'; ++l) fr.line = fr.line * 10 + (*l - '0');
      while (l < eol && *l == ' ') ++l;
      if (starts(l, eol, "in ")) l += 3;
      put(fr.function, l, eol);
      fr.flags = 0;
      ++k;
    }
    p = eol + 1;
  }
  note.nframes = k;
  note.state.store(wire::kReady, std::memory_order_release);
}

bool record_python_threads(int exit_sig) {
  int expected = 0;
  if (!g_py_dump) return false;
  if (!g_py_state.compare_exchange_strong(expected, 1)) return true;  // another thread dumps them all
  long fd = sys::call6(SYS_memfd_create, (long)"sigstorm-py", MFD_CLOEXEC);
  if (fd < 0) {
    g_py_state.store(0);
    return false;
  }
  t_state.in_shim++;
  const char* err = g_py_dump((int)fd, nullptr, nullptr);
  t_state.in_shim--;
  long n = 0;
  if (!err && sys::call6(SYS_lseek, fd, 0, 0 /* SEEK_SET */) == 0) n = sys::read((int)fd, g_dump, kDumpMax);
  sys::close((int)fd);
  if (err || n <= 0) {
    g_py_state.store(0);
    return false;
  }
  const char* end = g_dump + n;
  uint32_t index = 0;
  for (const char* p = g_dump; p < end;) {
    const char* eol = p;
    while (eol < end && *eol != '\n') ++eol;
    const bool current = starts(p, eol, "Current thread ");
    if (current || starts(p, eol, "Thread ")) {
      const char* body = eol + 1;
      const char* next = body;
      while (next < end && !starts(next, end, "Thread ") && !starts(next, end, "Current thread ")) {
        while (next < end && *next != '\n') ++next;
        ++next;
      }
      // "Current thread 0x7f... (most recent call first):" -> "Thread 0x7f..."
      const char* label = current ? p + 8 : p;
      const char* label_end = label;
      while (label_end < eol && !starts(label_end, eol, " (")) ++label_end;
      record_python_thread(exit_sig, label, label_end, body, next < end ? next : end, current, index++);
      p = next;
      continue;
    }
    p = eol + 1;
  }
  g_py_state.store(index ? 2 : 0);
  return index > 0;
}

}  // namespace

void no_exit_init() {
  if (!g_run || !g_run->config.expect_exit_ns || !check_enabled(wire::kNoExit)) return;
  // Only a process with a CPython interpreter in it has this symbol.
  g_py_dump = (DumpThreads)dlsym(RTLD_DEFAULT, "_Py_DumpTracebackThreads");
}

void note_exit_signal(int sig) {
  wire::Process* p = g_process;
  const wire::Config& c = g_run->config;
  if (!p || !c.expect_exit_ns || !(c.exit_signals >> (sig - 1) & 1)) return;
  uint64_t none = 0;
  if (p->exit_signal_ns.load(std::memory_order_relaxed) == 0 &&
      p->exit_signal_ns.compare_exchange_strong(none, sys::now_ns())) {
    p->exit_signal.store(sig, std::memory_order_release);
  }
}

bool is_exit_probe(int sig, const siginfo_t* info) {
  return sig == probe_signal() && g_run && info && info->si_code == SI_QUEUE &&
         info->si_pid == g_run->config.cli_pid && info->si_value.sival_int == wire::kProbeNoExit;
}

void exit_probe(int sig, siginfo_t* info, void* uc) {
  if (!check_enabled(wire::kNoExit)) return;
  const int saved_errno = errno;
  int exit_sig = g_process ? g_process->exit_signal.load(std::memory_order_acquire) : 0;
  if (!record_python_threads(exit_sig)) {
    Observation f{wire::kNoExit};
    f.sig = exit_sig;
    f.skip_signal_frames = 1;  // where the thread waits, not this handler
    f.merge_extra = (uint64_t)sys::gettid();
    record(f);
  }
  errno = saved_errno;
}

}  // namespace sigstorm
