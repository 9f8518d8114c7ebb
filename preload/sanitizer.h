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

// True when a call a handler's code made through an audit stub (site: its
// return address) is the sanitizer's own: made by its runtime, or inside
// one of its interceptors (clang's static ASan runtime calls
// pthread_getspecific through the executable's PLT from malloc's). The
// interceptor is the program's call, found by the shim's own path. Walks
// the stack only where a sanitizer is loaded. Handler context.
bool inside_sanitizer_call(uintptr_t site);

// Whether a frame of `raw` from `first` on, up to the frame the signal
// interrupted, is in one of the sanitizer's interceptors.
bool inside_interceptor(const RawStack& raw, uint32_t first);

// Drops the sanitizer's frames from `first` on (its allocator, its
// interceptor: the caller gives the interceptor as the synthetic top frame),
// so that the stack then starts at the program's call. The outermost
// interceptor found is its row in `fn` and its address in `start` (left
// alone when none matched). Returns how many frames went.
uint32_t drop_interceptor_frames(RawStack* raw, uint32_t first, int* fn, uintptr_t* start);

}  // namespace sigstorm
