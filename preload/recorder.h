// Findings go straight into the run file (inject/wire/record_format.h): merged
// per process in a lock-free table, appended with atomics otherwise.
#pragma once

#include <stdint.h>

#include "inject/wire/record_format.h"
#include "preload/stack.h"

namespace sigstorm {

// What a check saw, on its way into a wire::Record (the report's Finding is
// made from records by the CLI).
struct RawStack;

struct Observation {
  wire::Kind kind;
  int sig = 0;              // the signal whose handler ran
  int aux_signal = 0;       // crash: the fatal signal; reentrancy: the nested one
  int errno_before = 0;
  int errno_after = 0;
  int fn = -1;              // functions.def row, or -1
  void* handler = nullptr;  // the program's handler
  uintptr_t site = 0;       // the program's call site, or a crash's faulting instruction
  void* top = nullptr;      // a synthetic innermost frame (the called function), or null
  int skip_signal_frames = 0;
  const char* symbol = nullptr;  // unsafe-call through an audit stub: the called symbol
  const RawStack* stack = nullptr;          // a stack captured earlier, instead of this one
  bool no_stack = false;    // the stack is a Note's (an interpreter's traceback)
  uint64_t merge_extra = 0; // more of the merge key (a Python handler has no address)
  uint64_t value = 0;       // wire::Record::value
};

// Safe in any context, including a fault handler: no locks, no allocation,
// errno preserved, signals blocked while it writes.
// Returns the record's index + 1 (also when the finding merged into an
// earlier record), or 0 when it was dropped or not written; *appended says
// whether this call wrote the record (a note may then be attached to it).
int32_t record(const Observation& f, bool* appended = nullptr);

// Marks functions.def row `fn` as called inside the call record `ref`
// (record()'s return value) made: "calls malloc, free".
void note_inner_call(int32_t ref, int fn);

// Registers this process in the run file (start-up, and in a fork child).
void process_start();
// The same, for a process known to run program `exe` (a fork child).
void process_start_as(const char* exe);
// Forget the parent's merge table (fork child).
void recorder_after_fork();

extern wire::Process* g_process;
// This image took its entry over from an exec whose main thread held a
// watchdog slot (wire::kExecSlot): that slot is this thread's to release.
extern bool g_exec_left_slot;

// A C string into a fixed field of the run file, cut to fit.
template <size_t N>
void copy_text(char (&dst)[N], const char* src) {
  size_t i = 0;
  for (; src && src[i] && i + 1 < N; ++i) dst[i] = src[i];
  dst[i] = 0;
}

}  // namespace sigstorm
