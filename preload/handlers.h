// The program's signal handlers, kept by the shim: the kernel only ever
// sees our trampoline, which runs the program's handler under the checks.
#pragma once

#include <signal.h>
#include <stdint.h>

#include <atomic>

namespace sigstorm {

constexpr int kNsig = 65;

// One word per signal, so a handler never reads half an update.
enum : uint64_t {
  kActHandlerMask = (1ull << 56) - 1,
  kActManaged = 1ull << 56,    // the kernel runs our trampoline for it
  kActSiginfo = 1ull << 57,    // the program asked for SA_SIGINFO
  kActResetHand = 1ull << 58,  // SA_RESETHAND: one shot
  kActOnStack = 1ull << 59,    // SA_ONSTACK
  kActNoDefer = 1ull << 60,    // SA_NODEFER
  kActCatcher = 1ull << 61,    // our fatal-signal catcher; the program sees SIG_DFL
  kActProbe = 1ull << 62,      // our hang probe handler; the program sees SIG_DFL
  kActResetDone = 1ull << 63,  // a one-shot handler ran: the kernel holds SIG_DFL
                               // with our SA_SIGINFO, which the program never asked for
};

// Tells the CLI which signals the kernel runs our handlers for, after any
// change of g_actions.
void publish_caught();

// The signal the CLI's watchdog sends to a thread stuck in a handler.
int probe_signal();
void install_probe();
void hang_probe(int sig, siginfo_t* info, void* uc);
// True (and the probe handled) when this delivery is the watchdog's probe.
bool is_probe(int sig, const siginfo_t* info);

// no-exit (preload/no_exit.cpp): the CLI's probe asking for a thread's
// stack; a termination signal that reached one of the program's handlers.
void no_exit_init();
bool is_exit_probe(int sig, const siginfo_t* info);
void exit_probe(int sig, siginfo_t* info, void* uc);
void note_exit_signal(int sig);

// The watchdog table: publish the outermost handler of this thread.
void publish_handler_entry(int sig, void* handler);
void publish_handler_exit();
// Does this process's main thread hold a slot of that table (which an exec
// leaves behind: same pid, same tid)? The exec wrappers tell the next image.
bool main_thread_holds_slot();

extern std::atomic<uint64_t> g_actions[kNsig];

// Signals whose default action is to do nothing.
inline bool ignored_by_default(int sig) {
  return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

inline bool is_fatal_signal(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT;
}

// Installs the crash catchers for fatal signals the program leaves at SIG_DFL
// (done once the program installs its first handler).
void install_crash_catchers();
// Records handler-crash when a fatal signal arrives while a handler runs.
void crash_in_handler(int fatal_sig);
void crash_catcher(int sig, siginfo_t* info, void* uc);

// default-action (preload/default_action.cpp): the catcher also watches
// SIGPIPE and the signals of timers the program armed while it had no
// handler for them.
bool watches_default_action(int sig);
void default_action_init();
// A timer wrapper armed (ns > 0) or cancelled (0) the timer whose signal is sig.
void timer_armed(int fn, int sig, uint64_t ns);
// In the catcher, before the process dies of a watched signal.
void default_action_death(int sig, const siginfo_t* info, void* uc);
// Did the signal interrupt a system call (uc: the handler's context)?
bool in_system_call(void* uc);
void trampoline(int sig, siginfo_t* info, void* uc);

// The function behind an audit stub (a handler the program got from
// dlsym(), which the audit library bound to a stub), or fn itself.
void* audit_unstub(void* fn);
// Finds libsigstorm-audit.so's link (no auditor: none) and points its
// stubs' common path at the shim's check.
void audit_attach();
// The audit stubs' common path made ready (the XSAVE area's size): the
// deferred start-up, and a fork server before its copies.
void audit_prepare();
// Around the shim's dlopen() of its own libraries: the objects it maps are
// left out of the audit (wire::AuditLink::own_loading).
void audit_own_loading(bool on);
// A thread starts (+1) or ends (-1) running handlers: while none does, the
// audit stubs jump straight to their functions.
void audit_handler_running(int delta);

// Leaves handlers that a jump abandoned (longjmp/siglongjmp out of a
// handler): `sp` is the stack pointer of code that runs now, `mask` its
// signal mask (null: this thread's mask now).
void leave_abandoned_handlers(uintptr_t sp, const sigset_t* mask);
// What a signal interrupted: its stack pointer and signal mask.
uintptr_t interrupted_sp(void* uc, uintptr_t fallback);
const sigset_t* interrupted_mask(void* uc);

}  // namespace sigstorm
