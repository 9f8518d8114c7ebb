// What the CLI's hang watchdog needs from inside: which threads run a
// handler since when (the run file's Active table), and a probe handler that
// records the stack of a thread the watchdog found stuck.
#include <errno.h>

#include "preload/cold_bss.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/stack.h"
#include "preload/sys.h"

namespace sigstorm {

SIGSTORM_HOT_TEXT int probe_signal() { return SIGRTMAX - wire::kProbeSignalFromMax; }

namespace {

// The pid whose main thread claimed a slot (a fork child's pid differs, so
// it needs no reset there).
int g_main_slot_pid SIGSTORM_HOT = 0;

wire::Active* claim_slot() {
  wire::Header* run = g_run;
  if (!run) return nullptr;
  ThreadState& ts = t_state;
  if (!ts.tid) ts.tid = sys::gettid();
  for (uint32_t i = 0; i < wire::kMaxActive; ++i) {
    int32_t expected = 0;
    if (run->active[i].tid.load(std::memory_order_relaxed) == 0 &&
        run->active[i].tid.compare_exchange_strong(expected, ts.tid)) {
      const int pid = sys::getpid();
      run->active[i].pid = pid;
      if (ts.tid == pid) g_main_slot_pid = pid;
      return &run->active[i];
    }
  }
  return nullptr;
}

}  // namespace

void publish_handler_entry(int sig, void* handler) {
  const bool escapes = is_fatal_signal(sig) && check_enabled(wire::kLongjmpMask);
  if (!check_enabled(wire::kHandlerHang) && !escapes) return;
  ThreadState& ts = t_state;
  if (!ts.published) ts.published = claim_slot();
  wire::Active* a = ts.published;
  if (!a) return;
  a->signal = sig;
  a->handler = (uintptr_t)handler;
  if (escapes) {
    // Between this handler's entry and its depth count: nothing may nest.
    sys::BlockAll blocked;
    resolve_one((uintptr_t)handler, 0, &a->handler_frame);
  } else {
    a->handler_frame = wire::Frame{};
  }
  a->function.store(-1, std::memory_order_relaxed);
  a->since_ns.store(sys::now_ns(), std::memory_order_release);
}

bool main_thread_holds_slot() { return g_main_slot_pid != 0 && g_main_slot_pid == g_owner_pid; }

void publish_handler_exit() {
  if (wire::Active* a = t_state.published) a->since_ns.store(0, std::memory_order_release);
}

bool is_probe(int sig, const siginfo_t* info) {
  return sig == probe_signal() && g_run && info &&
         ((info->si_code == SI_TKILL && info->si_pid == g_run->config.cli_pid) || is_exit_probe(sig, info));
}

void hang_probe(int sig, siginfo_t* info, void* uc) {
  if (!is_probe(sig, info)) return;  // someone else's SIGRTMAX to a program that ignores it
  if (is_exit_probe(sig, info)) {
    exit_probe(sig, info, uc);
    return;
  }
  ThreadState& ts = t_state;
  // A handler left by a jump is not hung: the code after the jump runs.
  if (ts.depth > 0) leave_abandoned_handlers(interrupted_sp(uc, current_sp()), interrupted_mask(uc));
  if (ts.depth <= 0) return;  // the handler finished while the probe was on its way
  const int saved_errno = errno;
  const ActiveHandler& h = ts.active[(ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth) - 1];
  Observation f{wire::kHandlerHang};
  f.sig = h.sig;
  f.handler = h.handler;
  f.site = (uintptr_t)h.handler;
  f.skip_signal_frames = 1;  // start where the thread is stuck
  if (ts.published) f.fn = ts.published->function.load(std::memory_order_relaxed);
  record(f);
  errno = saved_errno;
}

void install_probe() {
  if (!g_run) return;
  no_exit_init();
  if (!check_enabled(wire::kHandlerHang) && !(g_run->config.expect_exit_ns && check_enabled(wire::kNoExit))) return;
  const int sig = probe_signal();
  struct sigaction cur;
  if (real::sigaction(sig, nullptr, &cur) != 0 || cur.sa_handler != SIG_DFL) return;
  struct sigaction ours = {};
  ours.sa_sigaction = hang_probe;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  if (real::sigaction(sig, &ours, nullptr) == 0) g_actions[sig].store(kActProbe, std::memory_order_release);
  publish_caught();
}

}  // namespace sigstorm
