// A program built with a sanitizer (ASan, TSan, ...): its runtime's
// interceptors come before the shim's in the loader's search order, and its
// allocator never calls the shim's malloc. The shim watches the allocator
// through the sanitizer's public malloc/free hooks and names the function
// the program called (the interceptor), not what the interceptor called.
#pragma once

#include <stdint.h>

#include "preload/stack.h"

namespace sigstorm {

// Start-up, once the run file is mapped: drops what LD_PRELOAD names before
// the shim (the runtime the CLI put first: children of the program must not
// inherit it), finds the interceptors, installs the hooks.
// True when a sanitizer runtime is in the process.
bool sanitizer_init();

// The sanitizer's interceptor whose code `pc` is in: its functions.def row
// (and its address in `start`), or -1 (also when no sanitizer is loaded).
// Any context.
int sanitizer_interceptor(uintptr_t pc, uintptr_t* start);

// Drops the sanitizer's frames from `first` on (its allocator, its
// interceptor: the caller gives the interceptor as the synthetic top frame),
// so that the stack then starts at the program's call. The outermost
// interceptor found is its row in `fn` and its address in `start` (left
// alone when none matched). Returns how many frames went.
uint32_t drop_interceptor_frames(RawStack* raw, uint32_t first, int* fn, uintptr_t* start);

}  // namespace sigstorm
