// Per-thread and per-process state of the shim. Everything here is read on
// the hot path of every interposed call, so it is TLS initial-exec or a
// plain global, never behind a lock.
#pragma once

#include <stdint.h>

#include "inject/wire/record_format.h"

namespace sigstorm {

constexpr int kMaxHandlerDepth = 16;

// One handler running on this thread, as the trampoline entered it.
struct ActiveHandler {
  int sig;
  void* handler;
  uintptr_t frame_sp;  // the trampoline's stack pointer: below it is the handler
  uintptr_t alt_lo;    // when it runs on the sigaltstack: that stack's range
  uintptr_t alt_hi;
};

struct ThreadState {
  int depth;     // handlers running on this thread (may exceed kMaxHandlerDepth)
  int in_call;   // interposed calls in progress inside the current handler
  int in_shim;   // the shim's own work: never checked, never injected into
  int tid;       // cached gettid(), 0 until first needed
  uint32_t handler_arm;  // handler:SIG specs waiting for this handler's first call (bit per spec)
  // A call the audit library's stub checked is in progress (preload/audit_link.cpp):
  // the stack pointer at its entry; calls below it are made inside it. 0: none.
  // (Read by the stubs' assembly at offset kStubSpOffset.)
  uintptr_t stub_sp;
  // The record of the current handler's outermost checked call (record()'s
  // value, 0: none): interposed calls inside it are listed there.
  int32_t call_record;
  ActiveHandler active[kMaxHandlerDepth];
  wire::Active* published;  // this thread's slot in the run file's watchdog table
};

extern __thread ThreadState t_state __attribute__((tls_model("initial-exec")));

// The run file, mapped at start-up; null when the shim runs without the CLI.
extern wire::Header* g_run;
extern uint32_t g_checks;  // wire::check_bit mask, copied from the run file
extern uint32_t g_policy;  // wire::Policy

inline bool check_enabled(wire::Kind k) { return (g_checks & wire::check_bit(k)) != 0; }

// The process whose memory the shim's globals are: set at start-up and in a
// fork child. A child of vfork, posix_spawn or clone(CLONE_VM) runs on its
// parent's memory with a pid of its own, and must not change what the
// parent's shim believes (its handler table, its run-file entry).
extern int g_owner_pid;
bool in_borrowed_memory();

inline uintptr_t current_sp() { return (uintptr_t)__builtin_frame_address(0); }

}  // namespace sigstorm
