// The shim's start-up in two steps (preload/init.cpp), so that a process
// that never installs a handler pays next to nothing for being preloaded.
//
// Eager, in the library's constructor, in every process: the run file,
// this process's entry in it, the fork hook, the --inject specs (call:
// points armed; the timer thread of after:/every: specs that need no
// handler). Deferred, once, before the program's first handler can run:
// every real function resolved, libunwind loaded and set up, the hang
// probe, the timer thread of from=handler specs.
#pragma once

namespace sigstorm {

// The deferred step, idempotent and thread-safe. Normal context only (it
// resolves symbols and dlopen()s libunwind): the sigaction/signal wrappers
// call it before the kernel gets a handler, the fuzz harness when it
// attaches. Never from a signal handler: a managed handler runs only after
// it, so a handler's own sigaction call finds it done.
void start_checking();
bool checking_started();

// The shim's constructor: not yet run, running, done.
enum class Ctor : unsigned char { kNotYet, kRunning, kDone };
extern Ctor g_ctor;

// Whether the loader is still mapping and relocating the process's initial
// objects (ld.so's r_state says RT_CONSISTENT once it is done). Asked only
// while g_ctor is kNotYet: a constructor runs after that.
__attribute__((noinline, cold)) bool loader_starting();

// pthread_atfork(nullptr, nullptr, child), without libc_nonshared.a's
// one-line stub, which the linker put at the far end of the shim's text
// (a page fault of its own in every process).
int on_fork_child(void (*child)(void));

}  // namespace sigstorm
