// Counting the hits of call: points, inline in the interposer's slow entry.
//
// An armed point that does not fire on this hit is the common case of every
// injection run (when=1000 means 999 hits that only count), so deciding it
// must cost a few nanoseconds: a load, one add, a compare with when='s
// first hit (kept here, beside the counts, rather than behind the run
// file's pointer), and back to the real function. Everything else (the rest
// of when=, p=, max=, the signal, EINTR) stays out of line in inject.cpp.
#pragma once

#include <stdint.h>
#include <sys/single_threaded.h>

#include "inject/wire/record_format.h"
#include "preload/state.h"
#include "preload/table.h"

namespace sigstorm {

// What choose() reads for each function, built from the run file's specs
// at start-up.
struct PointTable {
  uint32_t specs[kFnCount];              // specs watching each function (call:* too), bit per spec
  uint8_t solo[kFnCount];                // 1 + the one spec watching it, when only one does and not fuzzing
  uint64_t first[wire::kMaxInjections];  // each spec's when= first hit
};
extern PointTable g_points;

// Hits per spec, per process (call:, handler: and timed specs alike).
extern uint64_t g_hits[wire::kMaxInjections];

// The next hit of spec i. With one thread, a plain (unlocked) add: a single
// instruction, so a signal handler's own count cannot be lost in the middle
// of it, and it costs a cycle where the locked add costs ~20.
__attribute__((always_inline)) inline uint64_t count_hit(uint32_t i) {
#if defined(__x86_64__) || defined(__i386__)
  if (__libc_single_threaded) {
    uint64_t v = 1;
    __asm__ volatile("xadd %0, %1" : "+r"(v), "+m"(g_hits[i]));
    return v + 1;
  }
#endif
  return __atomic_add_fetch(&g_hits[i], 1, __ATOMIC_RELAXED);
}

// Do when= and p= choose this hit of spec i? Most hits come before when='s
// first and are settled inline; the rest (when_selects, and p=, drawn from
// the run's seed, the spec and the hit number, so a replay chooses the same
// hits) out of line.
bool chosen_from_first(uint32_t i, uint64_t hit);
__attribute__((always_inline)) inline bool chosen_by(uint32_t i, uint64_t hit) {
  return __builtin_expect(hit >= g_points.first[i], 0) && chosen_from_first(i, hit);
}

// Every other case of choose(): several specs on one function, the shim's
// own calls, fuzzing.
uint32_t choose_general(int id);

// Counts this call of function `id` for every spec watching it; returns the
// specs that chose the hit (bit per spec).
__attribute__((always_inline)) inline uint32_t choose(int id) {
  const uint32_t solo = g_points.solo[id];
  if (__builtin_expect(solo == 0 || t_state.in_shim, 0)) return choose_general(id);
  const uint32_t i = solo - 1;
  return chosen_by(i, count_hit(i)) ? 1u << i : 0;
}

}  // namespace sigstorm
