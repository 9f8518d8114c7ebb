#include "preload/timeline.h"

#include <time.h>

#include "preload/fuzz.h"
#include "preload/state.h"
#include "preload/sys.h"

namespace sigstorm {

bool g_timeline_on = false;

namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Event number n takes slot n while there is room; then, reservoir
// sampling, slot r < kMaxEvents for a random r in [0, n], else nothing.
// A slot being written (odd seq) is left alone and the event given up.
wire::Event* claim(uint64_t* seq) {
  wire::Header* run = g_run;
  const uint64_t n = run->events_seen.fetch_add(1, std::memory_order_relaxed);
  uint64_t slot = n;
  if (n >= wire::kMaxEvents) {
    slot = mix(n ^ run->config.seed) % (n + 1);
    if (slot >= wire::kMaxEvents) return nullptr;
  }
  wire::Event& e = run->events[slot];
  uint64_t s = e.seq.load(std::memory_order_relaxed);
  if ((s & 1) || !e.seq.compare_exchange_strong(s, s | 1, std::memory_order_acquire)) return nullptr;
  *seq = 2 * (n + 1);
  return &e;
}

int my_tid() {
  ThreadState& ts = t_state;
  if (!ts.tid) ts.tid = sys::gettid();
  return ts.tid;
}

}  // namespace

void timeline_init() { g_timeline_on = g_run && g_run->config.fuzz == 0 && !g_fuzz_inproc; }

// libc's clock_gettime is the vDSO's: no system call (AS-safe per POSIX).
uint64_t timeline_now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void timeline_injection(int sig, uint32_t spec, int tid) {
  if (!g_timeline_on) return;
  const uint64_t now = timeline_now();
  uint64_t seq;
  wire::Event* e = claim(&seq);
  if (!e) return;
  e->t_ns = now;
  e->end_ns.store(0, std::memory_order_relaxed);
  e->enter_ns = 0;
  e->pid = g_owner_pid;
  e->tid = tid;
  e->kind = wire::kEventInjection;
  e->signal = (uint8_t)sig;
  e->depth = 0;
  e->function = wire::kInterruptedNothing;
  e->spec = (uint16_t)spec;
  e->seq.store(seq, std::memory_order_release);
}

HandlerEvent timeline_handler_entry(uint64_t arrived_ns, int sig, int depth, int interrupted) {
  HandlerEvent ev;
  if (!g_timeline_on) return ev;
  const uint64_t now = timeline_now();
  wire::Event* e = claim(&ev.seq);
  if (!e) return ev;
  const uint64_t enter = now - arrived_ns;
  e->t_ns = arrived_ns;
  e->end_ns.store(0, std::memory_order_relaxed);
  e->enter_ns = enter > 0xffffffffull ? 0xffffffffu : (uint32_t)enter;
  e->pid = g_owner_pid;
  e->tid = my_tid();
  e->kind = wire::kEventHandler;
  e->signal = (uint8_t)sig;
  e->depth = (uint8_t)(depth > 255 ? 255 : depth);
  e->function = (int16_t)interrupted;
  e->spec = 0;
  e->seq.store(ev.seq, std::memory_order_release);
  ev.slot = e;
  return ev;
}

void timeline_handler_exit(const HandlerEvent& ev) {
  if (!ev.slot) return;
  // The slot may have gone to a later event meanwhile: then it is not ours.
  uint64_t s = ev.seq;
  if (!ev.slot->seq.compare_exchange_strong(s, ev.seq | 1, std::memory_order_acquire)) return;
  ev.slot->end_ns.store(timeline_now(), std::memory_order_relaxed);
  ev.slot->seq.store(ev.seq, std::memory_order_release);
}

}  // namespace sigstorm
