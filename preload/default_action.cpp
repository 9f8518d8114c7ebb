// default-action: the process dies by the default action of a signal of its
// own making, with no handler installed: its own timer (alarm, setitimer,
// ualarm, timer_settime) or SIGPIPE from its own write.
//
// As sanitizers do with deadly signals: while the program's disposition is
// SIG_DFL and such a signal could come, the kernel runs our catcher (the
// program still reads SIG_DFL, see signal_install.cpp). The catcher looks at
// where the signal came from (a timer: si_code SI_KERNEL or SI_TIMER; a
// broken pipe: the process itself, at a system call that failed with
// EPIPE), records the finding, and dies exactly as before: SIG_DFL, the same
// signal again. A kill from another process, an --inject and abort() are
// none of these and pass through unrecorded.
#include <errno.h>
#include <ucontext.h>

#include "preload/cold_bss.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/stack.h"
#include "preload/startup.h"
#include "preload/sys.h"
#include "preload/table.h"

namespace sigstorm {
namespace {

// The last timer armed for each of the timer signals, with its call's stack
// (captured at the call, placed only if the process dies of it).
struct ArmedTimer {
  std::atomic<uint32_t> busy;
  std::atomic<bool> armed;
  int fn;
  uint64_t ns;
  RawStack stack;
  // A Python program's call (signal.alarm): its Python stack, from the
  // start-up hook, which says more than the interpreter's C frames.
  uint32_t py_frames;
  wire::NoteFrame py[wire::kMaxFrames];
};
// constinit: all zero in .bss, no initializer writing it in every process.
constinit ArmedTimer g_timers[3] SIGSTORM_COLD_BSS = {};  // SIGALRM, SIGVTALRM, SIGPROF

ArmedTimer* timer_of(int sig) {
  switch (sig) {
    case SIGALRM: return &g_timers[0];
    case SIGVTALRM: return &g_timers[1];
    case SIGPROF: return &g_timers[2];
    default: return nullptr;
  }
}

SIGSTORM_HOT_TEXT bool watching() {
  return g_run && check_enabled(wire::kDefaultAction) && !g_run->config.fuzz && !in_borrowed_memory();
}

// The program's disposition is SIG_DFL (ours may be the catcher).
SIGSTORM_HOT_TEXT bool program_default(int sig) {
  const uint64_t a = g_actions[sig].load(std::memory_order_acquire);
  if (a & kActManaged) return false;
  if (a & kActCatcher) return true;
  struct sigaction cur;
  return real::sigaction(sig, nullptr, &cur) == 0 && cur.sa_handler == SIG_DFL;
}

SIGSTORM_HOT_TEXT void place_catcher(int sig) {
  if ((g_actions[sig].load(std::memory_order_acquire) & kActCatcher) || !program_default(sig)) return;
  struct sigaction ours = {};
  ours.sa_sigaction = crash_catcher;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  if (real::sigaction(sig, &ours, nullptr) == 0) g_actions[sig].store(kActCatcher, std::memory_order_release);
  publish_caught();
}

uintptr_t interrupted_pc(void* uc) {
#if defined(__x86_64__)
  return (uintptr_t)((ucontext_t*)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)((ucontext_t*)uc)->uc_mcontext.pc;
#else
  return 0;
#endif
}

// The interrupted instruction follows a system call that failed with EPIPE.
bool failed_with_epipe(void* uc) {
  if (!in_system_call(uc)) return false;
#if defined(__x86_64__)
  return ((ucontext_t*)uc)->uc_mcontext.gregs[REG_RAX] == -EPIPE;
#elif defined(__aarch64__)
  return (long)((ucontext_t*)uc)->uc_mcontext.regs[0] == -EPIPE;
#else
  return false;
#endif
}

void arm(ArmedTimer& timer, int fn, int sig, uint64_t ns);

}  // namespace

SIGSTORM_HOT_TEXT bool watches_default_action(int sig) {
  if (!watching()) return false;
  if (sig == SIGPIPE) return true;
  const ArmedTimer* t = timer_of(sig);
  return t && t->armed.load(std::memory_order_acquire);
}

SIGSTORM_HOT_TEXT void default_action_init() {
  if (watching()) place_catcher(SIGPIPE);
}

void timer_armed(int fn, int sig, uint64_t ns) {
  ArmedTimer* t = timer_of(sig);
  if (!t || !watching()) return;
  if (ns == 0) {
    t->armed.store(false, std::memory_order_release);
    return;
  }
  const int saved_errno = errno;  // the wrapper returns the call's
  arm(*t, fn, sig, ns);
  errno = saved_errno;
}

namespace {
void arm(ArmedTimer& timer, int fn, int sig, uint64_t ns) {
  ArmedTimer* t = &timer;
  if (!program_default(sig)) return;  // a handler or SIG_IGN: its own business
  uint32_t free = 0;
  if (!t->busy.compare_exchange_strong(free, 1, std::memory_order_acquire)) return;
  t->fn = fn;
  t->ns = ns;
  t->py_frames = 0;
  t->stack.n = 0;
  // The arming call's stack needs libunwind, which the deferred start-up
  // loads; this is a wrapper in normal context, where loading is safe.
  start_checking();
  {
    sys::BlockAll blocked;  // our own catcher must not land in the walk
    capture_stack(&t->stack, 0);
  }
  t->armed.store(true, std::memory_order_release);
  t->busy.store(0, std::memory_order_release);
  place_catcher(sig);
}
}  // namespace

void default_action_death(int sig, const siginfo_t* info, void* uc) {
  if (!info || !watching() || t_state.in_shim) return;
  Observation f{wire::kDefaultAction};
  f.sig = sig;
  if (sig == SIGPIPE) {
    // The kernel sends it to the writer as if the writer had sent it.
    if (info->si_code != SI_USER || info->si_pid != sys::getpid() || !failed_with_epipe(uc)) return;
    f.skip_signal_frames = 1;  // from the write that broke
    // Before the deferred start-up (no handler was ever installed) there is
    // no unwinder: the interrupted instruction alone names the write.
    if (!checking_started()) f.top = (void*)interrupted_pc(uc);
    record(f);
    return;
  }
  ArmedTimer* t = timer_of(sig);
  if (!t || !t->armed.load(std::memory_order_acquire)) return;
  const bool timer = info->si_code == SI_TIMER ? t->fn == fn_timer_settime
                                                : info->si_code == SI_KERNEL && t->fn != fn_timer_settime;
  if (!timer) return;
  uint32_t free = 0;
  if (!t->busy.compare_exchange_strong(free, 1, std::memory_order_acquire)) return;
  f.fn = t->fn;
  f.value = t->ns;
  f.stack = &t->stack;
  bool appended = false;
  const int32_t idx = record(f, &appended) - 1;  // a note goes only to a record this call wrote
  if (appended && t->py_frames) {
    const uint32_t n = g_run->next_note.fetch_add(1, std::memory_order_relaxed);
    if (n < wire::kMaxNotes) {
      wire::Note& note = g_run->notes[n];
      note.state.store(wire::kWriting, std::memory_order_relaxed);
      note.record = (uint32_t)idx;
      for (uint32_t k = 0; k < t->py_frames; ++k) note.frames[k] = t->py[k];
      note.nframes = t->py_frames;
      note.state.store(wire::kReady, std::memory_order_release);
    }
  }
  t->busy.store(0, std::memory_order_release);
}

}  // namespace sigstorm

using namespace sigstorm;

// The start-up hook (preload/python/sitecustomize.py) after signal.alarm or
// signal.setitimer armed the timer whose signal is `sig` with no handler
// for it: the Python stack of that call, innermost first.
extern "C" SIGSTORM_EXPORT void sigstorm_timer_stack(int sig, int nframes, const char* const* functions,
                                                     const char* const* files, const int* lines) {
  ArmedTimer* t = timer_of(sig);
  if (!t || !watching() || !t->armed.load(std::memory_order_acquire) || nframes <= 0) return;
  uint32_t free = 0;
  if (!t->busy.compare_exchange_strong(free, 1, std::memory_order_acquire)) return;
  uint32_t k = 0;
  for (; k < (uint32_t)nframes && k < wire::kMaxFrames; ++k) {
    copy_text(t->py[k].function, functions[k]);
    copy_text(t->py[k].file, files[k]);
    t->py[k].line = lines[k];
    t->py[k].flags = 0;
  }
  t->py_frames = k;
  t->busy.store(0, std::memory_order_release);
}
