// The harness ends an input with abort() called through real functions
// named after the finding: one per kind (kinds.def) and one per interposed
// function (functions.def). libFuzzer's deadly-signal stack (and ASan's
// ABRT report), which crash triage buckets by its top named frames, then
// starts with
//     #N ... in sigstorm::fuzz::calling_malloc()
//     #N ... in sigstorm::fuzz::finding_kUnsafeCall(int)
// instead of the same report_and_abort frames for every finding.
#pragma once

#include "inject/wire/record_format.h"

namespace sigstorm::fuzz {

// `function`: a functions.def row, or -1 when the finding names none.
[[noreturn]] void abort_with_signature(wire::Kind kind, int function);

}  // namespace sigstorm::fuzz
