// Stacks captured inside signal handlers: libunwind (dlopen()ed at start-up,
// its one-time set-up done outside any handler) for the walk, /proc/self/maps for the module
// and file offset of each frame. Symbols are the CLI's job, after the run.
#pragma once

#include <stdint.h>

#include "inject/wire/record_format.h"

namespace sigstorm {

struct RawStack {
  uintptr_t pc[wire::kMaxFrames];
  uint32_t flags[wire::kMaxFrames];  // wire::FrameFlags
  uint32_t n = 0;
};

// Loads libunwind and runs its one-time set-up. Start-up only.
void stack_init();
// Marks libsigstorm.so's own code so that captures leave it out.
bool in_shim_text(uintptr_t pc);

// Appends the current thread's stack to `out`, leaving out the shim's frames
// and the first `skip_signal_frames` signal frames (so a fault handler's
// stack starts at the faulting instruction).
void capture_stack(RawStack* out, int skip_signal_frames);

// Fills module index and file offset for each pc, with one read of
// /proc/self/maps. Unplaced pcs keep module 0 and their absolute address.
void resolve_frames(const RawStack& raw, wire::Frame* out);
void resolve_one(uintptr_t pc, uint32_t flags, wire::Frame* out);

}  // namespace sigstorm
