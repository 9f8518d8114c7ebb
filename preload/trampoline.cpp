// The handler every managed signal really runs: marks the thread as in a
// handler, runs the program's handler, and checks what it left behind.
#include <errno.h>
#include <ucontext.h>

#include "preload/bare.h"
#include "preload/fuzz.h"
#include "preload/handlers.h"
#include "preload/inject.h"
#include "preload/recorder.h"
#include "preload/stack.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/table.h"
#include "preload/timeline.h"

namespace sigstorm {
namespace {

// The program switched this signal to SIG_DFL/SIG_IGN after the kernel chose
// our trampoline: do what the new disposition would have done.
void redeliver(int sig) {
  if (ignored_by_default(sig)) return;
  struct sigaction now;
  if (real::sigaction(sig, nullptr, &now) != 0 || now.sa_handler == SIG_IGN) return;
  if ((void*)now.sa_sigaction == (void*)trampoline) return;
  sys::tgkill(sys::getpid(), sys::gettid(), sig);  // pending until we return
}

void note_reentrancy(const ThreadState& ts, int sig, void* handler) {
  const int n = ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth;
  for (int i = 0; i < n; ++i) {
    if (ts.active[i].handler != handler) continue;
    Observation f{wire::kReentrancy};
    f.sig = ts.active[i].sig;
    f.aux_signal = sig;
    f.handler = handler;
    f.site = (uintptr_t)handler;
    f.top = handler;
    record(f);
    return;
  }
}

void note_crash(const ThreadState& ts, int fatal_sig) {
  const ActiveHandler& h = ts.active[(ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth) - 1];
  Observation f{wire::kHandlerCrash};
  f.sig = h.sig;
  f.aux_signal = fatal_sig;
  f.handler = h.handler;
  f.skip_signal_frames = 1;
  f.site = (uintptr_t)h.handler;
  record(f);
}

// The summary's "ran N times, interrupted read, write": a relaxed add per
// run; the handler is placed (/proc/self/maps) only the first time.
// (A vfork child's runs count into its parent's entry, the memory it runs
// on: not worth a getpid() in every handler run.)
void count_handler_run(int sig, void* handler, int fn, bool in_syscall) {
  wire::Process* p = g_process;
  if (!p) return;
  p->handled[sig].fetch_add(1, std::memory_order_relaxed);
  if (fn >= 0 && fn < kFnCount) {
    p->handled_at_call[sig].fetch_add(1, std::memory_order_relaxed);
    p->interrupted[sig][fn / 64].fetch_or(1ull << (fn % 64), std::memory_order_relaxed);
  } else if (in_syscall) {
    p->handled_in_syscall[sig].fetch_add(1, std::memory_order_relaxed);
  }
  const uint64_t bit = 1ull << (sig - 1);
  // A fuzzing run's report is never shown (the reproducer's is): no
  // /proc/self/maps read for it.
  if (g_run->config.fuzz || (p->handler_placed.load(std::memory_order_relaxed) & bit)) return;
  sys::BlockAll blocked;  // /proc/self/maps takes a while: nothing nests meanwhile
  resolve_one((uintptr_t)handler, 0, &p->handler_frame[sig]);
  p->handler_placed.fetch_or(bit, std::memory_order_release);
}

}  // namespace

// Did the signal interrupt a system call (a blocking read, a sleep)? The
// instruction before the interrupted pc is then the system call
// instruction. Only looked at within the pc's own page, which is mapped.
bool in_system_call(void* uc) {
  if (!uc) return false;
#if defined(__x86_64__)
  const uintptr_t pc = (uintptr_t)((ucontext_t*)uc)->uc_mcontext.gregs[REG_RIP];
  if ((pc & 0xfff) < 2) return false;
  const unsigned char* at = (const unsigned char*)pc - 2;
  return at[0] == 0x0f && at[1] == 0x05;  // syscall
#elif defined(__aarch64__)
  const uintptr_t pc = (uintptr_t)((ucontext_t*)uc)->uc_mcontext.pc;
  if ((pc & 0xfff) < 4) return false;
  return *(const uint32_t*)(pc - 4) == 0xd4000001u;  // svc #0
#else
  return false;
#endif
}

uintptr_t interrupted_sp(void* uc, uintptr_t fallback) {
  if (!uc) return fallback;
#if defined(__x86_64__)
  return (uintptr_t)((ucontext_t*)uc)->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
  return (uintptr_t)((ucontext_t*)uc)->uc_mcontext.sp;
#else
  return fallback;
#endif
}

const sigset_t* interrupted_mask(void* uc) { return uc ? &((ucontext_t*)uc)->uc_sigmask : nullptr; }

void crash_in_handler(int fatal_sig) {
  ThreadState& ts = t_state;
  if (ts.depth > 0 && check_enabled(wire::kHandlerCrash)) note_crash(ts, fatal_sig);
}

void trampoline(int sig, siginfo_t* info, void* uc) {
  const int saved_errno = errno;
  ThreadState& ts = t_state;
  if (__builtin_expect(sig == probe_signal(), 0) && is_probe(sig, info)) {
    hang_probe(sig, info, uc);
    return;
  }
  uint64_t act = g_actions[sig].load(std::memory_order_acquire);
  if (!(act & kActManaged)) {
    redeliver(sig);
    errno = saved_errno;
    return;
  }
  const uint64_t arrived = g_timeline_on ? timeline_now() : 0;
  void* handler = audit_unstub((void*)(act & kActHandlerMask));
  if (__builtin_expect(g_run && g_run->config.expect_exit_ns != 0, 0)) note_exit_signal(sig);
  if (act & kActResetHand) {
    // The kernel already reset its side to SIG_DFL; so does our table.
    if (g_actions[sig].compare_exchange_strong(act, kActResetDone | (act & kActSiginfo),
                                               std::memory_order_acq_rel))
      publish_caught();
  }
  const uintptr_t sp = current_sp();
  if (ts.depth > 0) {
    // Judge by where the interrupted code was: inside the running handler,
    // or back in code a jump returned to.
    leave_abandoned_handlers(interrupted_sp(uc, sp), interrupted_mask(uc));
    if (ts.depth > 0 && check_enabled(wire::kReentrancy)) note_reentrancy(ts, sig, handler);
    if (ts.depth > 0 && is_fatal_signal(sig)) crash_in_handler(sig);
  }
  if (__builtin_expect(g_fuzz_inproc, 0) && fuzz_foreign_handler(sig, act)) {
    // In-process fuzzing: the fuzzer's own handler (libFuzzer's SIGALRM,
    // SIGINT, SIGUSR1, SIGSEGV...), or no scenario runs. Not under test.
    ts.in_shim++;
    errno = saved_errno;
    if (act & kActSiginfo)
      ((void (*)(int, siginfo_t*, void*))handler)(sig, info, uc);
    else
      ((void (*)(int))handler)(sig);
    ts.in_shim--;
    return;
  }
  if (__builtin_expect(g_fuzz_cov != nullptr, 0)) fuzz_cover_entry(sig, ts);
  const int delivered_at = t_delivering_fn;  // a call: injection's call, or -1
  t_delivering_fn = -1;
  if (ts.depth < kMaxHandlerDepth) {
    ActiveHandler& a = ts.active[ts.depth];
    a.sig = sig;
    a.handler = handler;
    a.frame_sp = sp;
    a.alt_lo = a.alt_hi = 0;
    if (act & kActOnStack) {
      stack_t ss;
      if (sys::sigaltstack(nullptr, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
        a.alt_lo = (uintptr_t)ss.ss_sp;
        a.alt_hi = (uintptr_t)ss.ss_sp + ss.ss_size;
      }
    }
  }
  const int saved_in_call = ts.in_call;
  const uint32_t saved_arm = ts.handler_arm;
  const uintptr_t saved_stub_sp = ts.stub_sp;  // a checked call this handler interrupted
  const int32_t saved_call_record = ts.call_record;
  ts.in_call = 0;
  ts.stub_sp = 0;
  ts.call_record = 0;
  if (ts.depth == 0) {
    audit_handler_running(1);
    publish_handler_entry(sig, handler);
  }
  ts.depth++;
  // Counted once this handler's entry is complete (handlers left by a jump
  // count too): a signal that lands in the counting sees it running.
  const bool in_syscall = delivered_at < 0 && in_system_call(uc);
  count_handler_run(sig, handler, delivered_at, in_syscall);
  on_handler_entry(sig);
  const HandlerEvent event = timeline_handler_entry(
      arrived, sig, ts.depth - 1,
      delivered_at >= 0 ? delivered_at : in_syscall ? wire::kInterruptedSyscall : wire::kInterruptedNothing);
  errno = saved_errno;
  if (act & kActSiginfo)
    ((void (*)(int, siginfo_t*, void*))handler)(sig, info, uc);
  else
    ((void (*)(int))handler)(sig);
  const int after = errno;
  timeline_handler_exit(event);
  if (ts.handler_arm) on_handler_exit();  // handler:SIG specs of a handler that made no call
  ts.depth--;
  if (ts.depth == 0) {
    publish_handler_exit();
    audit_handler_running(-1);
  }
  ts.in_call = saved_in_call;
  ts.handler_arm = saved_arm;
  ts.stub_sp = saved_stub_sp;
  ts.call_record = saved_call_record;
  if (after != saved_errno && check_enabled(wire::kErrnoClobber)) {
    Observation f{wire::kErrnoClobber};
    f.sig = sig;
    f.handler = handler;
    f.errno_before = saved_errno;
    f.errno_after = after;
    f.site = (uintptr_t)handler;
    f.top = handler;
    record(f);
  }
  // errno stays as the handler left it: sigstorm reports, never repairs.
}

void crash_catcher(int sig, siginfo_t* info, void* uc) {
  const int saved_errno = errno;
  const bool fault = is_fatal_signal(sig);
  if (t_state.in_shim == 0 && fault) crash_in_handler(sig);
  if (!fault) default_action_death(sig, info, uc);
  bare_before_death();  // the finding above is in the report the process waits for
  // Die exactly as without us: default action, same signal.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  real::sigaction(sig, &dfl, nullptr);
  g_actions[sig].store(0, std::memory_order_release);
  publish_caught();
  // A fault re-executes the faulting instruction on return; a signal that was
  // sent (kill, raise, abort) must be sent again.
  if (!fault || info == nullptr || info->si_code <= 0) sys::tgkill(sys::getpid(), sys::gettid(), sig);
  errno = saved_errno;
}

}  // namespace sigstorm
