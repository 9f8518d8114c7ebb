// sigaction, signal, sigset, bsd_signal, sysv_signal: the program's handler
// goes into g_actions, the kernel gets the trampoline with the program's own
// flags and mask, and every query answers with what the program installed.
#include <errno.h>

#include "preload/cold_bss.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/startup.h"
#include "preload/sys.h"

namespace sigstorm {

std::atomic<uint64_t> g_actions[kNsig] SIGSTORM_HOT;

namespace {

std::atomic<bool> g_catchers_wanted SIGSTORM_HOT{false};

bool is_function(void* h) { return h != (void*)SIG_DFL && h != (void*)SIG_IGN && h != (void*)SIG_ERR; }

uint64_t pack(const struct sigaction& act) {
  uint64_t w = ((uintptr_t)act.sa_sigaction & kActHandlerMask) | kActManaged;
  if (act.sa_flags & SA_SIGINFO) w |= kActSiginfo;
  if (act.sa_flags & SA_RESETHAND) w |= kActResetHand;
  if (act.sa_flags & SA_ONSTACK) w |= kActOnStack;
  if (act.sa_flags & SA_NODEFER) w |= kActNoDefer;
  return w;
}

// What the program would have read back without us.
void unwrap(uint64_t prev, struct sigaction* old) {
  if ((void*)old->sa_sigaction == (void*)trampoline && (prev & kActManaged)) {
    old->sa_sigaction = (void (*)(int, siginfo_t*, void*))(prev & kActHandlerMask);
    if (!(prev & kActSiginfo)) old->sa_flags &= ~SA_SIGINFO;
  } else if ((prev & kActResetDone) && old->sa_handler == SIG_DFL) {
    if (!(prev & kActSiginfo)) old->sa_flags &= ~SA_SIGINFO;
  } else if ((void*)old->sa_sigaction == (void*)crash_catcher || (void*)old->sa_sigaction == (void*)hang_probe) {
    old->sa_handler = SIG_DFL;
    old->sa_flags = 0;
    sigemptyset(&old->sa_mask);
  }
}

// The sigaction every entry point funnels into.
SIGSTORM_HOT_TEXT int install(int sig, const struct sigaction* act, struct sigaction* old) {
  auto fn = real_fn(real::sigaction);
  if (sig <= 0 || sig >= kNsig || sig == SIGKILL || sig == SIGSTOP) return fn(sig, act, old);
  // The first handler: the deferred start-up, before the kernel can run it
  // (the probe it may install is part of prev).
  if (act && is_function((void*)act->sa_sigaction) && !in_borrowed_memory()) start_checking();
  const uint64_t prev = g_actions[sig].load(std::memory_order_acquire);
  int r;
  if (act && in_borrowed_memory()) {
    // A vfork child (Python's subprocess resets its signals there before
    // exec): the kernel's dispositions are its own, the table is the
    // parent's. Install exactly what it asks, unchecked; the table stays.
    r = fn(sig, act, old);
    if (r == 0 && old) unwrap(prev, old);
    return r;
  }
  // Back to SIG_DFL (the kernel's, or a catcher that stands in for it): a
  // storm of `sig` stops before the kernel has it.
  const bool to_default = act && act->sa_handler == SIG_DFL;
  if (to_default) inject_before_default(sig);
  if (!act) {
    r = fn(sig, nullptr, old);
  } else if (is_function((void*)act->sa_sigaction)) {
    struct sigaction ours = *act;
    ours.sa_sigaction = trampoline;
    ours.sa_flags |= SA_SIGINFO;
    // Publish before the kernel can deliver to the trampoline.
    g_actions[sig].store(pack(*act), std::memory_order_release);
    r = fn(sig, &ours, old);
    if (r != 0) g_actions[sig].store(prev, std::memory_order_release);
    else if (!g_catchers_wanted.exchange(true)) install_crash_catchers();
  } else if (act->sa_handler == SIG_DFL &&
             ((is_fatal_signal(sig) && g_catchers_wanted.load()) || watches_default_action(sig))) {
    // Keep catching crashes in handlers, and deaths by the program's own
    // signals; the program still reads SIG_DFL.
    struct sigaction ours = {};
    ours.sa_sigaction = crash_catcher;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK | (is_fatal_signal(sig) ? 0 : SA_RESTART);
    sigemptyset(&ours.sa_mask);
    r = fn(sig, &ours, old);
    if (r == 0) g_actions[sig].store(kActCatcher, std::memory_order_release);
  } else if (act->sa_handler == SIG_DFL && sig == probe_signal() && (prev & kActProbe)) {
    r = fn(sig, nullptr, old);  // the probe stays; the program reads SIG_DFL
  } else {
    r = fn(sig, act, old);
    if (r == 0) g_actions[sig].store(0, std::memory_order_release);
  }
  if (to_default) inject_after_default(sig);
  if (r == 0 && old) unwrap(prev, old);
  if (r == 0 && act) {
    publish_caught();
    inject_disposition_changed(sig);
  }
  return r;
}

// The BSD/SysV/System V entry points keep glibc's exact semantics (flags,
// siginterrupt state, SIG_HOLD) by calling the real function, then moving
// whatever handler it installed behind the trampoline.
// `failed`: the call set errno, so SIG_ERR is its error and not the previous
// handler (a kernel disposition of (void*)-1 reads back as SIG_ERR too).
sighandler_t adopt(int sig, sighandler_t returned, bool failed) {
  if ((returned == SIG_ERR && failed) || sig <= 0 || sig >= kNsig) return returned;
  const uint64_t prev = g_actions[sig].load(std::memory_order_acquire);
  auto fn = real_fn(real::sigaction);
  struct sigaction now;
  if (in_borrowed_memory()) {
    // A vfork child: what the call installed stays as it is (see install).
  } else if (fn(sig, nullptr, &now) == 0) {
    void* h = (void*)now.sa_sigaction;
    if (now.sa_handler == SIG_DFL && watches_default_action(sig)) {
      install(sig, &now, nullptr);
    } else if (!is_function(h)) {
      g_actions[sig].store(0, std::memory_order_release);
      publish_caught();
      inject_disposition_changed(sig);
    }
    else if (h != (void*)trampoline && h != (void*)crash_catcher && h != (void*)hang_probe)
      install(sig, &now, nullptr);
  }
  if ((void*)returned == (void*)trampoline && (prev & kActManaged))
    return (sighandler_t)(prev & kActHandlerMask);
  if ((void*)returned == (void*)crash_catcher || (void*)returned == (void*)hang_probe) return SIG_DFL;
  return returned;
}

}  // namespace

SIGSTORM_HOT_TEXT void publish_caught() {
  if (!g_process || in_borrowed_memory()) return;
  uint64_t mask = 0;
  for (int sig = 1; sig < kNsig; ++sig) {
    const uint64_t a = g_actions[sig].load(std::memory_order_relaxed);
    if (a & (kActManaged | kActCatcher | kActProbe)) mask |= 1ull << (sig - 1);
  }
  g_process->expected_caught.store(mask, std::memory_order_release);
}

void install_crash_catchers() {
  auto fn = real_fn(real::sigaction);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    if (g_actions[sig].load() != 0) continue;  // the program's own handler
    struct sigaction cur;
    if (fn(sig, nullptr, &cur) != 0 || cur.sa_handler != SIG_DFL) continue;  // SIG_IGN stays
    struct sigaction ours = {};
    ours.sa_sigaction = crash_catcher;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    if (fn(sig, &ours, nullptr) == 0) g_actions[sig].store(kActCatcher, std::memory_order_release);
  }
  publish_caught();
}

}  // namespace sigstorm

using namespace sigstorm;

#define SIGSTORM_INSTALL_CALL(id, expr)          \
  auto fn = real_fn(real::sigaction);            \
  SIGSTORM_INTERCEPT(id, expr)

SIGSTORM_WRAPPER_IN(SIGSTORM_HOT_TEXT, int, sigaction, (int sig, const struct sigaction* act, struct sigaction* old)) {
  SIGSTORM_INSTALL_CALL(fn_sigaction, install(sig, act, old));
}

namespace {
// errno tells a failed call from a SIG_ERR previous handler; the program's
// errno is left as the call left it.
template <class F>
sighandler_t legacy(F fn, int sig, sighandler_t h) {
  // Before the real call gives the kernel the handler (see install).
  if (is_function((void*)h) && !in_borrowed_memory()) start_checking();
  const bool to_default = h == SIG_DFL && !in_borrowed_memory();
  if (to_default) inject_before_default(sig);
  const int saved = errno;
  errno = 0;
  const sighandler_t r = fn(sig, h);
  const bool failed = r == SIG_ERR && errno != 0;
  if (!failed) errno = saved;
  const sighandler_t prev = adopt(sig, r, failed);
  if (to_default) inject_after_default(sig);
  return prev;
}
}  // namespace

#define SIGSTORM_LEGACY_SIGNAL(name)                                    \
  SIGSTORM_WRAPPER_IN(SIGSTORM_HOT_TEXT, sighandler_t, name, (int sig, sighandler_t h)) { \
    auto fn = real_fn(real::name);                                      \
    SIGSTORM_INTERCEPT(fn_##name, legacy(fn, sig, h));                  \
  }
SIGSTORM_LEGACY_SIGNAL(signal)
SIGSTORM_LEGACY_SIGNAL(bsd_signal)
SIGSTORM_LEGACY_SIGNAL(sysv_signal)
SIGSTORM_LEGACY_SIGNAL(__sysv_signal)
SIGSTORM_LEGACY_SIGNAL(sigset)
