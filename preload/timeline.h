// The report's timeline (wire::Event in the run file): injections sent and
// handler runs, stamped with CLOCK_MONOTONIC. On the delivery path, so a
// few relaxed atomics and the vDSO clock per event, nothing more; a run
// with more events than the file holds keeps a uniform sample of them.
#pragma once

#include <stdint.h>

#include "inject/wire/record_format.h"

namespace sigstorm {

// Off without a run file and while fuzzing (its reports are never shown).
extern bool g_timeline_on;
void timeline_init();

uint64_t timeline_now();

// A spec sent `sig` to thread `tid` (0: to the whole process).
void timeline_injection(int sig, uint32_t spec, int tid);

// A handler run's slot, claimed at its start and completed as it returns.
struct HandlerEvent {
  wire::Event* slot = nullptr;
  uint64_t seq = 0;
};
// The signal arrived at the trampoline at `arrived_ns`; its handler is
// about to be called. `interrupted`: a functions.def row or kInterrupted*.
HandlerEvent timeline_handler_entry(uint64_t arrived_ns, int sig, int depth, int interrupted);
void timeline_handler_exit(const HandlerEvent& ev);

}  // namespace sigstorm
