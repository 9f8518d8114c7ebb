// strace's when= arithmetic (FIRST[..LAST][+[STEP]]), shared by the CLI's
// parser and the shim's injection engine: plain constexpr, no allocation.
#pragma once
#include <cstdint>

namespace sigstorm {

// Does the hit-th (1-based) hit of a point fire?
//   3      only the 3rd          (first=3, last=3, plus=false)
//   3+     the 3rd and after     (first=3, last=0, plus=true, step=1)
//   3+2    3rd, 5th, 7th, ...    (first=3, last=0, plus=true, step=2)
//   2..8   2nd to 8th            (first=2, last=8, plus=false)
//   2..8+3 2nd, 5th, 8th         (first=2, last=8, plus=true, step=3)
// last == 0 means no upper bound; step == 0 with plus means step 1.
constexpr bool when_selects(uint64_t first, uint64_t last, uint64_t step, bool plus,
                            uint64_t hit) {
  if (hit < first) return false;
  if (last != 0 && hit > last) return false;
  if (!plus) return last != 0 ? true : hit == first;
  const uint64_t s = step == 0 ? 1 : step;
  return (hit - first) % s == 0;
}

}  // namespace sigstorm
