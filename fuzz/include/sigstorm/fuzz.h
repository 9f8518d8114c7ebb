// sigstorm's in-process fuzzing harness: fuzz signal handlers with libFuzzer.
//
// A fuzz target runs a *scenario* (your code: install handlers, do work)
// under an injection *schedule* decoded from the front of the fuzz input:
// which of your signals is delivered at which interposed libc call (the
// k-th call the scenario makes), or while which handler runs, on which
// thread, and whether a blocking call then fails with EINTR. The checks of
// `sigstorm run` apply (unsafe-call, errno-clobber, handler-hang,
// handler-crash, longjmp-mask; reentrancy is a warning). An error finding
// prints a sanitizer-style report and aborts, so libFuzzer saves the input;
// running the target on that file replays the same schedule. The report
// starts with the finding's own block (its stack, then `SUMMARY: sigstorm:
// KIND FUNCTION in HANDLER`) and abort() is called through frames named
// after the kind and the function (sigstorm::fuzz::finding_kUnsafeCall,
// calling_malloc), so crash triage tells the target's findings apart.
//
//   #include <sigstorm/fuzz.h>
//
//   extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
//     sigstorm::fuzz::init(argc, argv);   // re-exec with the shim now, not later
//     return 0;
//   }
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     static const sigstorm::fuzz::Options options{.signals = {SIGUSR1, SIGINT}};
//     return sigstorm::fuzz::run(data, size, options, [](const uint8_t* rest, size_t n) {
//       install_my_handlers();  // here, in the scenario
//       do_my_work(rest, n);    // join every thread you start before returning
//     });
//   }
//
// Build: clang++ -fsanitize=fuzzer target.cpp -lsigstorm_fuzz (plus the
// engine libraries; see fuzz/CMakeLists.txt). At run time the harness needs
// libsigstorm.so preloaded: when it is not, the first call re-executes the
// binary with LD_PRELOAD set (the shim is looked up in $SIGSTORM_SHIM, next
// to the binary, in ../lib/, then where the build put it).
//
// The same input must replay the same way: the schedule counts the
// scenario's interposed calls (call:* fires at the k-th), so do one-time
// setup (opening files, allocating pools) in LLVMFuzzerInitialize, not in a
// "first run" branch of the scenario.
//
// Install your handlers inside the scenario, as your program's main() does:
// handlers installed outside a scenario are the fuzzer's own (libFuzzer's
// SIGALRM timer, SIGINT, SIGTERM, SIGUSR1/2, crash handlers). They are left
// alone: never checked, never sent an injection, and put back after every
// run when the scenario replaced them; signals the scenario left pending
// are dropped, its signal mask and interval timer restored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sigstorm::fuzz {

struct Options {
  // The signals your handlers take: schedules deliver only these. Required.
  std::vector<int> signals;
  // Injections per input, at most (each fires once).
  unsigned max_injections = 3;
  // Allow mode=eintr (an interrupted blocking call fails with EINTR).
  bool eintr = true;
  // Checks to run, as --check takes them ("unsafe-call,errno-clobber");
  // empty: all. Like `policy` and `hang_timeout_ms`, read on the first run.
  std::string checks;
  // "posix" (default) or "linux" (also allows plain system calls).
  std::string policy = "posix";
  // A handler running longer than this is a handler-hang finding.
  unsigned hang_timeout_ms = 2000;
  // Abort on warnings (reentrancy) too.
  bool warnings_are_errors = false;
};

// The scenario: gets the input bytes the schedule did not use.
using Scenario = std::function<void(const uint8_t* data, size_t size)>;

// Makes sure libsigstorm.so is preloaded (re-executes the binary with
// LD_PRELOAD otherwise) and attaches to it. Call it in LLVMFuzzerInitialize
// so the re-exec happens before libFuzzer starts; run() calls it too. Given
// argc and argv, it also turns SIGSTORM_OPTIONS' exitcode=N into libFuzzer's
// -error_exitcode=N (unless the command line has one).
void init(int* argc = nullptr, char*** argv = nullptr);

// Decodes the schedule from the front of `data`, runs `scenario` on the
// rest under it, and checks. On an error finding: report on stderr, then
// abort(). Returns 0 (libFuzzer's convention).
int run(const uint8_t* data, size_t size, const Options& options, const Scenario& scenario);

// The schedule `data` decodes to, as --inject specs (for logs and tests).
std::vector<std::string> describe(const uint8_t* data, size_t size, const Options& options);

}  // namespace sigstorm::fuzz
