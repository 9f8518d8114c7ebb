// Fuzzing support in the shim: interleaving coverage (for `sigstorm fuzz`
// and the in-process harness) and the in-process harness's scope (which
// threads and which handlers belong to the scenario under test).
//
// Everything here is reachable from signal handlers: atomics and TLS only.
#pragma once

#include <stdint.h>

#include <atomic>

#include "preload/state.h"

namespace sigstorm {

// Header::interleavings when Config::fuzz asks for coverage, else null.
extern std::atomic<uint8_t>* g_fuzz_cov;

// Nonzero once the in-process harness attached (sigstorm_fuzz_attach): the
// process is a fuzzer whose own handlers and threads are not under test.
extern int g_fuzz_inproc;

// Where the calling thread was when a call: injection delivered its signal
// (a hash of the interposed function and its call site); 0 otherwise. Set by
// on_call_point around the delivery, read by the handler's entry.
extern __thread uint32_t t_fuzz_site __attribute__((tls_model("initial-exec")));

uint32_t fuzz_site(int id, void* caller);

// A checked handler for `sig` is being entered on this thread (ts.depth is
// still the depth before it): bumps the (sig, what it interrupted) counter.
void fuzz_cover_entry(int sig, const ThreadState& ts);
// The innermost handler on this thread makes interposed call `id`.
void fuzz_cover_call(const ThreadState& ts, int id);

// In-process harness: run this handler unchecked? True for handlers that
// were installed before the scenario began (libFuzzer's SIGALRM, SIGINT,
// SIGUSR1, SIGSEGV ... handlers) and for every handler between scenarios.
bool fuzz_foreign_handler(int sig, uint64_t act);
// In-process harness: may an injection of `sig` fire now? Only when the
// code under test has its own handler for it (never the fuzzer's, never
// the default action that would end the fuzzer).
bool fuzz_deliverable(int sig);
// In-process harness: is the calling thread one of the fuzzer's own (no
// injections, no hit counting)?
bool fuzz_foreign_thread();

}  // namespace sigstorm
