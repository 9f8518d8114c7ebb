// Fires --inject specs. Everything a firing decides comes from the spec, the
// hit number and the run's seed, so the same seed and the same program input
// give the same injections at call: points.
#include "preload/inject.h"

#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include "inject/wire/when.h"
#include "preload/call_point.h"
#include "preload/cold_bss.h"
#include "preload/fuzz.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/startup.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/timeline.h"

namespace sigstorm {

double g_time_scale = 1.0;
__thread int t_delivering_fn __attribute__((tls_model("initial-exec"))) = -1;

namespace {

const wire::Injection* g_specs = nullptr;
uint32_t g_nspecs SIGSTORM_HOT = 0;
uint32_t g_here = 0;        // specs that fire in this process (bit per spec)
uint32_t g_timed_here = 0;  // after:/every: specs whose clock runs in this process
bool g_count_calls = false;  // fuzzing: count every call point's hits
std::atomic<uint64_t> g_fired[wire::kMaxInjections];  // per process
bool g_timer_running SIGSTORM_HOT = false;

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Spec i chose this hit: does max= still let it fire? Counts the firing.
bool claim(uint32_t i) {
  const wire::Injection& s = g_specs[i];
  if (s.max) {
    uint64_t n = g_fired[i].load(std::memory_order_relaxed);
    do {
      if (n >= s.max) return false;
    } while (!g_fired[i].compare_exchange_weak(n, n + 1));
  } else {
    g_fired[i].fetch_add(1, std::memory_order_relaxed);
  }
  if (g_process) g_process->fired[i].fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool selects(uint32_t i, uint64_t hit) { return chosen_by(i, hit) && claim(i); }

// Sends the spec's signal. Returns true when it went to the calling thread.
// Stamped before it is sent: a signal to this thread arrives at once.
bool deliver(const wire::Injection& s) {
  const int pid = sys::getpid();
  const uint32_t spec = (uint32_t)(&s - g_specs);
  switch (s.target) {
    case wire::kTargetProcess:
      timeline_injection(s.signal, spec, 0);
      sys::kill(pid, s.signal);
      return false;
    case wire::kTargetMain:
    case wire::kTargetChildren:
    case wire::kTargetNamed:
      timeline_injection(s.signal, spec, pid);
      sys::tgkill(pid, pid, s.signal);
      return t_state.tid == pid || sys::gettid() == pid;
    default: {
      const int tid = sys::gettid();
      timeline_injection(s.signal, spec, tid);
      sys::tgkill(pid, tid, s.signal);
      return true;
    }
  }
}

// Would the kernel have failed the call with EINTR for this signal?
bool interrupts(int sig, int fn, bool no_restart) {
  struct sigaction act;
  if (real::sigaction(sig, nullptr, &act) != 0) return false;
  if (act.sa_handler == SIG_IGN || act.sa_handler == SIG_DFL) return false;  // no handler ran
  // Blocked on this thread: the signal stays pending, no handler ran, and the
  // kernel would not have interrupted the call.
  sigset_t mask;
  if (sys::sigprocmask(SIG_BLOCK, nullptr, &mask) == 0 && sigismember(&mask, sig)) return false;
  if ((act.sa_flags & SA_RESTART) && (kFnInfo[fn].flags & RESTARTS) && !no_restart) return false;
  return true;
}

void fire_handler_specs(uint32_t armed) {
  for (uint32_t i = 0; armed; ++i, armed >>= 1)
    if (armed & 1) deliver(g_specs[i]);
}

// ---- after: and every: ----

// A from=handler storm and the program setting its signal back to SIG_DFL
// (an interpreter does at exit) meet here, Dekker's way: the clock says
// which signal it is about to send, then looks; the program's sigaction
// says which signal it resets, then waits for a send in flight, before the
// kernel has SIG_DFL. One of the two sees the other: no tick kills the
// program once it has asked for SIG_DFL.
std::atomic<int> g_sending{0};          // the signal the clock is sending, 0 none
std::atomic<uint64_t> g_resetting{0};   // bit sig-1: its sigaction to SIG_DFL in progress

// from=handler: can the signal no longer end the process by its default
// action? The program's view counts: our crash catcher and probe stand in
// for SIG_DFL.
bool cannot_kill(int sig) {
  if (ignored_by_default(sig)) return true;
  if (sig <= 0 || sig >= kNsig) return false;
  if (g_actions[sig].load(std::memory_order_acquire) & kActManaged) return true;
  struct sigaction cur;
  return real::sigaction(sig, nullptr, &cur) == 0 && cur.sa_handler == SIG_IGN;
}

void mark_started(uint32_t i) {
  if (g_process && !in_borrowed_memory()) g_process->started.fetch_or(1u << i, std::memory_order_relaxed);
}

bool waits_for_handler(const wire::Injection& s) {
  return (s.point == wire::kPointAfter || s.point == wire::kPointEvery) && s.from == wire::kFromHandler;
}

void* timer_main(void*) {
  // The default 50us timer slack would cap a storm near 20k signals/s.
  sys::call6(SYS_prctl, PR_SET_TIMERSLACK, 1);
  // How often a from=handler clock looks for the program's handler.
  constexpr uint64_t kWaitPollNs = 1000000;
  struct Next {
    uint64_t at;
    bool done;
    bool waiting;  // from=handler, no handler yet
  } next[wire::kMaxInjections];
  const uint64_t start = sys::now_ns();
  for (uint32_t i = 0; i < g_nspecs; ++i) {
    const wire::Injection& s = g_specs[i];
    const bool timed = s.point == wire::kPointAfter || s.point == wire::kPointEvery;
    const bool here = timed && (g_timed_here >> i & 1);
    next[i] = {start + s.duration_ns, !here, here && s.from == wire::kFromHandler};
    if (here && !next[i].waiting) mark_started(i);
  }
  for (;;) {
    uint64_t now = sys::now_ns();
    uint64_t soonest = UINT64_MAX;
    for (uint32_t i = 0; i < g_nspecs; ++i) {
      if (next[i].done) continue;
      if (next[i].waiting) {
        if (!cannot_kill(g_specs[i].signal)) {
          soonest = soonest < now + kWaitPollNs ? soonest : now + kWaitPollNs;
          continue;
        }
        next[i].waiting = false;
        next[i].at = now + g_specs[i].duration_ns;
        mark_started(i);
      }
      if (next[i].at < soonest) soonest = next[i].at;
    }
    if (soonest == UINT64_MAX) return nullptr;
    struct timespec ts = {(time_t)(soonest / 1000000000ull), (long)(soonest % 1000000000ull)};
    sys::call6(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&ts, 0);
    now = sys::now_ns();
    for (uint32_t i = 0; i < g_nspecs; ++i) {
      // Ticks that came due while this thread slept are sent now, so a
      // storm keeps its rate on a busy machine; a long stall (suspend, a
      // stopped process) is not made up for beyond kMaxCatchUp ticks.
      constexpr int kMaxCatchUp = 1000;
      for (int n = 0; !next[i].done && !next[i].waiting && next[i].at <= now; ++n) {
        const wire::Injection& s = g_specs[i];
        // from=handler pauses while the program has the signal back at its
        // default (interpreters reset their handlers as they exit).
        const bool guarded = s.from == wire::kFromHandler && s.signal > 0 && s.signal < kNsig;
        if (guarded) g_sending.store(s.signal, std::memory_order_seq_cst);
        if (guarded && ((g_resetting.load(std::memory_order_seq_cst) >> (s.signal - 1) & 1) || !cannot_kill(s.signal))) {
          g_sending.store(0, std::memory_order_release);
          next[i].waiting = true;
          break;
        }
        if (selects(i, count_hit(i))) deliver(s);
        if (guarded) g_sending.store(0, std::memory_order_release);
        if (s.point == wire::kPointAfter || (s.max && g_fired[i].load() >= s.max)) {
          next[i].done = true;
        } else {
          next[i].at += s.duration_ns;
          if (n >= kMaxCatchUp) next[i].at = now + s.duration_ns;
        }
      }
    }
  }
}

// A clock that waits for a handler has nothing to do before there is one:
// its thread starts with the deferred start-up (the first handler), or when
// SIG_IGN makes the signal harmless. The rest start with the process.
bool timer_needed_now() {
  if (checking_started()) return true;
  for (uint32_t i = 0; i < g_nspecs; ++i)
    if ((g_timed_here >> i & 1) && (!waits_for_handler(g_specs[i]) || cannot_kill(g_specs[i].signal))) return true;
  return false;
}

void start_timer_thread() {
  if (!g_timed_here || g_timer_running || in_borrowed_memory()) return;
  // Born with every signal blocked: the program's signals never land here.
  sigset_t all, old;
  sigfillset(&all);
  sys::sigprocmask(SIG_SETMASK, &all, &old);  // raw: pthread_sigmask is our own wrapper
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t t;
  t_state.in_shim++;
  g_timer_running = pthread_create(&t, &attr, timer_main, nullptr) == 0;
  t_state.in_shim--;
  pthread_attr_destroy(&attr);
  sys::sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

PointTable g_points;
uint64_t g_hits[wire::kMaxInjections];

void inject_before_default(int sig) {
  if (!g_timer_running || sig <= 0 || sig >= kNsig || ignored_by_default(sig)) return;
  g_resetting.fetch_or(1ull << (sig - 1), std::memory_order_seq_cst);
  while (g_sending.load(std::memory_order_seq_cst) == sig) sys::cpu_relax();
  // A tick sent is pending on its thread, even one whose send ended just
  // before the mark: the kernel's kick to this thread may not have landed
  // yet. On this one (the storm's target is the main thread, where
  // interpreters reset) a system call's return delivers it to the handler
  // still installed, before the kernel has SIG_DFL.
  sys::getpid();
}

void inject_after_default(int sig) {
  if (sig > 0 && sig < kNsig && (g_resetting.load(std::memory_order_relaxed) >> (sig - 1) & 1))
    g_resetting.fetch_and(~(1ull << (sig - 1)), std::memory_order_release);
}

void inject_disposition_changed(int sig) {
  bool started = false;
  for (uint32_t i = 0; i < g_nspecs; ++i) {
    if (g_specs[i].signal == sig && waits_for_handler(g_specs[i]) && cannot_kill(sig)) {
      mark_started(i);
      started |= (g_timed_here >> i & 1) != 0;
    }
  }
  // SIG_IGN, outside any handler (a handler's own call finds the thread
  // started with the first handler): the clock starts now.
  if (started && t_state.depth == 0) start_timer_thread();
}

// Which processes a spec fires in: target=children every process but the
// one sigstorm started, target=NAME those running the program NAME; after:
// and every: otherwise only the one sigstorm started, call: and handler:
// every process.
// A bare run (no CLI parent) names the process it began in; under the fork
// server the copies' parent is the server.
bool started_by_cli() {
  const wire::Config& c = g_run->config;
  if (c.flags & wire::kBare) return sys::getpid() == c.bare_root_pid;
  if (c.cli_pid == 0) return true;
  const int ppid = sys::getppid();
  return ppid == c.cli_pid || (c.server_pid != 0 && ppid == c.server_pid);
}

bool named(const char* name) {
  if (!g_process) return false;
  const char* exe = g_process->exe;  // process_start read /proc/self/exe already
  const char* base = exe;
  for (const char* p = exe; *p; ++p)
    if (*p == '/') base = p + 1;
  return __builtin_strcmp(base, name) == 0;
}

bool fires_here(const wire::Injection& s) {
  if (s.target == wire::kTargetChildren) return !started_by_cli();
  if (s.target == wire::kTargetNamed) return named(s.target_name);
  if (s.point == wire::kPointAfter || s.point == wire::kPointEvery) return started_by_cli();
  return true;
}

SIGSTORM_HOT_TEXT void inject_init() {
  if (!g_run) return;
  const wire::Config& c = g_run->config;
  if (c.time_scale > 0 && c.time_scale != g_time_scale) g_time_scale = c.time_scale;
  // No spec and no fuzzing (most runs, and every process of them): the
  // tables stay zero and their pages unwritten (each written page is a
  // page fault in every process).
  if (c.injection_count == 0 && c.fuzz == 0 && !g_fuzz_inproc && g_nspecs == 0) return;
  g_specs = c.injections;
  g_nspecs = c.injection_count < wire::kMaxInjections ? c.injection_count : wire::kMaxInjections;
  g_here = g_timed_here = 0;
  for (uint32_t i = 0; i < g_nspecs; ++i) {
    const wire::Injection& s = g_specs[i];
    g_points.first[i] = s.when_first;
    if (!fires_here(s)) continue;
    g_here |= 1u << i;
    if (s.point == wire::kPointAfter || s.point == wire::kPointEvery) g_timed_here |= 1u << i;
    if (s.point != wire::kPointCall) continue;
    for (int id = 0; id < kFnCount; ++id) {
      if (s.function >= 0 && s.function != id) continue;
      g_armed[id] = 1;
      g_points.specs[id] |= 1u << i;
    }
  }
  // Fuzzing: every call point counts its hits; handlers feed coverage.
  g_count_calls = (c.fuzz & wire::kFuzzArmAll) != 0;
  if (g_count_calls)
    for (int id = 0; id < kFnCount; ++id) g_armed[id] = 1;
  // choose()'s inline path: one spec on the function, no fuzzing.
  const bool fuzzing = g_count_calls || g_fuzz_inproc;
  for (int id = 0; id < kFnCount; ++id) {
    const uint32_t m = g_points.specs[id];
    const bool one = m != 0 && (m & (m - 1)) == 0;
    g_points.solo[id] = one && !fuzzing ? (uint8_t)(__builtin_ctz(m) + 1) : 0;
  }
  if (c.fuzz & wire::kFuzzCoverage) g_fuzz_cov = g_run->interleavings;
  timeline_init();
  for (uint32_t i = 0; i < g_nspecs; ++i)
    if (waits_for_handler(g_specs[i]) && ignored_by_default(g_specs[i].signal)) mark_started(i);
  if (timer_needed_now()) start_timer_thread();
}

void inject_checking_started() { start_timer_thread(); }

void inject_reload() {
  inject_disarm();
  for (uint64_t& h : g_hits) __atomic_store_n(&h, 0, __ATOMIC_RELAXED);
  for (auto& f : g_fired) f.store(0, std::memory_order_relaxed);
  for (uint32_t& m : g_points.specs) m = 0;
  inject_init();
}

void inject_disarm() {
  for (int id = 0; id < kFnCount; ++id) g_armed[id] = g_points.solo[id] = 0;
}

SIGSTORM_HOT_TEXT void inject_after_fork() {
  // Threads do not survive fork; counts are per process; which specs fire
  // here may differ (target=children, target=NAME): as a new process.
  if (g_timer_running) g_timer_running = false;  // no write: the fork child's page stays shared
  // A fork while the parent's clock was sending: no clock here clears it.
  if (g_sending.load(std::memory_order_relaxed)) g_sending.store(0, std::memory_order_relaxed);
  if (g_resetting.load(std::memory_order_relaxed)) g_resetting.store(0, std::memory_order_relaxed);
  // Without specs or fuzzing every count and point is zero already: writing
  // the zeros again would only copy the pages (a fork of a shell, a make).
  if (!g_run || (g_run->config.injection_count == 0 && g_run->config.fuzz == 0 && !g_fuzz_inproc)) return;
  inject_reload();
}

bool chosen_from_first(uint32_t i, uint64_t hit) {
  const wire::Injection& s = g_specs[i];
  if (!when_selects(s.when_first, s.when_last, s.when_step, s.when_plus != 0, hit)) return false;
  if (s.p_scaled == 0xffffffffu) return true;
  return (splitmix(g_run->config.seed ^ splitmix((uint64_t)i << 40 ^ hit)) >> 32) < s.p_scaled;
}

uint32_t choose_general(int id) {
  // A handler's calls come here armed or not; only armed points count.
  if (!g_armed[id] || t_state.in_shim) return 0;
  if (g_fuzz_inproc && fuzz_foreign_thread()) return 0;
  // Which points a program reaches is only asked when fuzzing (an atomic in
  // shared memory costs every armed call).
  if (g_count_calls && g_process) g_process->calls[id].fetch_add(1, std::memory_order_relaxed);
  uint32_t chosen = 0;
  for (uint32_t specs = g_points.specs[id]; specs; specs &= specs - 1) {
    const uint32_t i = (uint32_t)__builtin_ctz(specs);
    if (chosen_by(i, count_hit(i))) chosen |= 1u << i;
  }
  return chosen;
}

bool on_call_point(int id, uint32_t chosen, CallFacts facts, void* caller) {
  bool eintr = false;
  for (; chosen; chosen &= chosen - 1) {
    const uint32_t i = (uint32_t)__builtin_ctz(chosen);
    const wire::Injection& s = g_specs[i];
    if (__builtin_expect(g_fuzz_inproc, 0) && !fuzz_deliverable(s.signal)) continue;
    if (!claim(i)) continue;
    if (g_fuzz_cov) t_fuzz_site = fuzz_site(id, caller);
    t_delivering_fn = id;
    const bool to_me = deliver(s);  // an unblocked signal runs its handler right here
    t_delivering_fn = -1;
    t_fuzz_site = 0;
    if (s.mode == wire::kModeEintr && to_me && !facts.cannot_block && (kFnInfo[id].flags & INTR) &&
        interrupts(s.signal, id, facts.no_restart))
      eintr = true;
  }
  return eintr;
}

void on_handler_entry(int sig) {
  ThreadState& ts = t_state;
  ts.handler_arm = 0;
  for (uint32_t i = 0; i < g_nspecs; ++i) {
    const wire::Injection& s = g_specs[i];
    if (s.point != wire::kPointHandler || s.handler_signal != sig || !(g_here >> i & 1)) continue;
    const uint64_t hit = count_hit(i);
    if (__builtin_expect(g_fuzz_inproc, 0) && !fuzz_deliverable(s.signal)) continue;
    if (selects(i, hit)) ts.handler_arm |= 1u << i;
  }
}

void on_handler_call() {
  ThreadState& ts = t_state;
  const uint32_t armed = ts.handler_arm;
  ts.handler_arm = 0;
  if (armed) fire_handler_specs(armed);
}

void on_handler_exit() { on_handler_call(); }

uint64_t scale_ns(uint64_t ns) {
  double v = (double)ns * g_time_scale;
  if (ns && v < 1000) v = 1000;  // a timer of 0 would disarm it: keep at least 1us
  return v >= 1.8e19 ? UINT64_MAX : (uint64_t)v;
}

uint64_t unscale_ns(uint64_t ns) {
  double v = (double)ns / g_time_scale;
  return v >= 1.8e19 ? UINT64_MAX : (uint64_t)v;
}

}  // namespace sigstorm
