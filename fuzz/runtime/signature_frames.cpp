#include "signature_frames.h"

#include <cstdlib>

// Every frame must stay a frame: no inlining, no sibling calls.
#if defined(__clang__)
#define SIGSTORM_FRAME __attribute__((noinline, disable_tail_calls, used))
#else
#define SIGSTORM_FRAME __attribute__((noinline, used, optimize("no-optimize-sibling-calls")))
#endif

namespace sigstorm::fuzz {
namespace {
using Frame = void (*)();
}  // namespace

// One per interposed function; `name` only pasted, so that a function that
// is also a macro (sigsetjmp) names a function here too.
#define SIGSTORM_FN(name, ...)                          \
  [[noreturn]] SIGSTORM_FRAME void calling_##name() {   \
    ::abort();                                          \
  }
#include "inject/wire/functions.def"
#undef SIGSTORM_FN
#undef SIGSTORM_FN_MANUAL

namespace {
const Frame kCalling[] = {
#define SIGSTORM_FN(name, ...) &calling_##name,
#include "inject/wire/functions.def"
#undef SIGSTORM_FN
#undef SIGSTORM_FN_MANUAL
};
constexpr int kCallingCount = static_cast<int>(sizeof kCalling / sizeof kCalling[0]);
}  // namespace

// One per finding kind.
#define SIGSTORM_KIND(id, ident, ...)                                       \
  [[noreturn]] SIGSTORM_FRAME void finding_##ident(int function) {          \
    if (function >= 0 && function < kCallingCount) kCalling[function]();    \
    ::abort();                                                              \
  }
#include "inject/wire/kinds.def"
#undef SIGSTORM_KIND

namespace {
struct KindFrame {
  wire::Kind kind;
  void (*frame)(int);
};
const KindFrame kFinding[] = {
#define SIGSTORM_KIND(id, ident, ...) {wire::ident, &finding_##ident},
#include "inject/wire/kinds.def"
#undef SIGSTORM_KIND
};
}  // namespace

void abort_with_signature(wire::Kind kind, int function) {
  for (const KindFrame& k : kFinding)
    if (k.kind == kind) k.frame(function);
  ::abort();
}

}  // namespace sigstorm::fuzz
