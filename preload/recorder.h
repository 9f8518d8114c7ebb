// Findings go straight into the run file (inject/wire/record_format.h): merged
// per process in a lock-free table, appended with atomics otherwise.
#pragma once

#include <stdint.h>

#include "inject/wire/record_format.h"
#include "preload/stack.h"

namespace sigstorm {

// What a check saw, on its way into a wire::Record (the report's Finding is
// made from records by the CLI).
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
  const RawStack* stack = nullptr;  // captured already (top included), or null
};

// Safe in any context, including a fault handler: no locks, no allocation,
// errno preserved, signals blocked while it writes.
void record(const Observation& f);

// Registers this process in the run file (start-up, and in a fork child).
void process_start();
// Forget the parent's merge table (fork child).
void recorder_after_fork();

extern wire::Process* g_process;

}  // namespace sigstorm
