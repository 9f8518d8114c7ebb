// The crash signature of an in-process harness finding: a sanitizer-style
// block that crash triage (ClusterFuzz/OSS-Fuzz stack analysis, which keys
// on a crash's type and its top three named frames) tells apart per
// finding:
//
//   ==4242==ERROR: sigstorm: unsafe-call: malloc called from handler on_usr1 for SIGUSR1
//       #0 0x9a0f0 in malloc (/usr/lib/x86_64-linux-gnu/libc.so.6+0x9a0f0)
//       #1 0x1234 in on_usr1 fuzz/examples/fuzz_two_bugs.cpp:31
//       ...
//   SUMMARY: sigstorm: unsafe-call malloc in on_usr1
//
// Frames are the finding's own stack, innermost first, down to the signal
// frame (what the signal interrupted varies from input to input);
// addresses are module offsets, so the same finding prints the same block
// in every run but for the pid.
#pragma once
#include <string>
#include <string_view>

#include "inject/report/report.h"

namespace sigstorm {

// "unsafe-call malloc in on_usr1": kind, the function, the handler.
std::string crash_summary(const Finding& f);

// The whole block, ending with the SUMMARY line. Source files under
// base_dir are shown relative to it.
std::string crash_block(const Finding& f, std::string_view base_dir);

}  // namespace sigstorm
