// The injection engine: --inject specs from the run file, fired at call:
// points, inside handlers, and by a timer thread for after:/every:.
#pragma once

#include <stdint.h>

namespace sigstorm {

// Start-up (and again in a fork child): arms the call: points; starts the
// timer thread in the process the CLI started (for specs that wait for a
// handler: once there is one, see inject_checking_started).
void inject_init();
void inject_after_fork();
// The deferred start-up is done (the program installs its first handler):
// the clocks that waited for one get their thread.
void inject_checking_started();

// What a call's arguments tell the EINTR emulation (gathered only for a
// call some spec chose).
struct CallFacts {
  bool cannot_block = false;  // this call will not block this time (fcntl F_GETFL)
  bool no_restart = false;    // SA_RESTART would not restart it (a socket timeout)
};

// A call of an armed function whose hit the specs in `chosen` (bit per spec,
// from choose() in call_point.h) selected: fires them. Returns true when the
// call must fail with EINTR (mode=eintr). `caller` (the program's call site)
// only feeds fuzzing's interleaving coverage.
bool on_call_point(int id, uint32_t chosen, CallFacts facts, void* caller);

// Fuzzing (in-process harness, preload/fuzz_api.cpp): re-read the Config's
// injections with fresh hit counts, and put every call point back on the
// fast path.
void inject_reload();
void inject_disarm();

// The program installed a handler or SIG_IGN for `sig` (or set it back):
// from=handler clocks that wait for it count as started.
void inject_disposition_changed(int sig);
// Around the program's sigaction that gives `sig` back to SIG_DFL: no tick
// of a from=handler storm is sent once it is under way.
void inject_before_default(int sig);
void inject_after_default(int sig);

// The interposed call (a functions.def row) whose call: injection is being
// delivered to this thread right now, -1 otherwise: the handler's entry
// counts it as what the handler interrupted.
extern __thread int t_delivering_fn __attribute__((tls_model("initial-exec")));

// handler:SIG specs: armed when a handler for `sig` is entered on this
// thread; fired at its first interposed call, or as it returns.
void on_handler_entry(int sig);
void on_handler_call();
void on_handler_exit();

// --time-scale: the program's own timer and sleep durations, scaled.
extern double g_time_scale;
inline bool time_scaled() { return g_time_scale != 1.0; }
uint64_t scale_ns(uint64_t ns);    // program duration -> real duration
uint64_t unscale_ns(uint64_t ns);  // real remaining time -> program's view

}  // namespace sigstorm
