// Fuzzing support: interleaving coverage and the minimal C API the
// in-process harness (fuzz/, <sigstorm/fuzz.h>) finds with
// dlsym(RTLD_DEFAULT, "sigstorm_fuzz_attach") when libsigstorm.so is
// preloaded into a libFuzzer binary.
//
// The harness owns the run memory (an anonymous shared mapping holding a
// wire::Header) instead of a run file; between scenarios it rewrites the
// Config's injections and calls begin/end around each scenario.
#include <errno.h>

#include "preload/cold_bss.h"
#include "preload/fuzz.h"
#include "preload/handlers.h"
#include "preload/inject.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/startup.h"
#include "preload/sys.h"

namespace sigstorm {

std::atomic<uint8_t>* g_fuzz_cov = nullptr;
int g_fuzz_inproc SIGSTORM_HOT = 0;
__thread uint32_t t_fuzz_site __attribute__((tls_model("initial-exec")));

namespace {

constexpr int kMaxForeignThreads = 64;

std::atomic<int> g_active{0};                  // a scenario runs
std::atomic<uint64_t> g_foreign_act[kNsig];    // g_actions as the scenario began: the fuzzer's
std::atomic<int> g_foreign_tids[kMaxForeignThreads];
std::atomic<int> g_nforeign{0};

inline uint32_t mix32(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return (uint32_t)x;
}

inline void bump(uint32_t index) {
  std::atomic<uint8_t>& c = g_fuzz_cov[index % wire::kInterleavings];
  const uint8_t v = c.load(std::memory_order_relaxed);
  if (v != 255) c.store((uint8_t)(v + 1), std::memory_order_relaxed);
}

inline int innermost_sig(const ThreadState& ts) {
  if (ts.depth <= 0) return 0;
  return ts.active[(ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth) - 1].sig;
}

}  // namespace

uint32_t fuzz_site(int id, void* caller) {
  const uint32_t s = mix32(((uint64_t)(id + 1) << 48) ^ (uintptr_t)caller);
  return s ? s : 1;
}

void fuzz_cover_entry(int sig, const ThreadState& ts) {
  uint64_t ctx;
  if (t_fuzz_site) ctx = t_fuzz_site;                          // a call: injection on this thread
  else if (ts.depth > 0) ctx = 0x100000000ull | (uint64_t)innermost_sig(ts);  // nested in a handler
  else ctx = 0;                                                 // asynchronous
  t_fuzz_site = 0;
  bump(mix32((uint64_t)sig << 40 ^ ctx));
}

void fuzz_cover_call(const ThreadState& ts, int id) {
  bump(mix32(0x200000000000ull | (uint64_t)innermost_sig(ts) << 16 | (uint64_t)(id + 1)));
}

bool fuzz_foreign_handler(int sig, uint64_t act) {
  if (!g_active.load(std::memory_order_acquire)) return true;
  return sig > 0 && sig < kNsig && g_foreign_act[sig].load(std::memory_order_relaxed) == act;
}

bool fuzz_deliverable(int sig) {
  if (sig <= 0 || sig >= kNsig) return false;
  const uint64_t act = g_actions[sig].load(std::memory_order_acquire);
  return (act & kActManaged) && act != g_foreign_act[sig].load(std::memory_order_relaxed);
}

bool fuzz_foreign_thread() {
  if (!g_fuzz_inproc) return false;
  ThreadState& ts = t_state;
  if (!ts.tid) ts.tid = sys::gettid();
  const int n = g_nforeign.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i)
    if (g_foreign_tids[i].load(std::memory_order_relaxed) == ts.tid) return true;
  return false;
}

}  // namespace sigstorm

using namespace sigstorm;

// The API. Version 1: attach, begin, end, call.
extern "C" SIGSTORM_EXPORT int sigstorm_fuzz_version(void) { return 1; }

// Adopts `header` (a wire::Header of `size` bytes the harness filled in:
// magic, version, header_size, config) as this process's run memory.
// Returns 0, or -1 when the process already has one (it runs under
// `sigstorm run`), -2 when the header is not one this build understands.
// A bare LD_PRELOAD run (preload/bare.h) gives way: the harness reports.
extern "C" SIGSTORM_EXPORT int sigstorm_fuzz_attach(void* header, unsigned long size) {
  if (g_run && !(g_run->config.flags & wire::kBare)) return -1;
  auto* run = (wire::Header*)header;
  if (!run || size < sizeof(wire::Header) || run->magic != wire::kMagic || run->version != wire::kVersion ||
      run->header_size != sizeof(wire::Header))
    return -2;
  g_checks = run->config.checks;
  g_policy = run->config.policy;
  g_fuzz_inproc = 1;
  __atomic_store_n(&g_run, run, __ATOMIC_RELEASE);
  process_start();
  start_checking();
  install_probe();  // the deferred step ran already without run memory: no probe then
  inject_init();
  inject_disarm();  // armed only while a scenario runs
  return 0;
}

// A scenario begins on the calling thread. `foreign` lists the threads that
// are not the scenario's (the fuzzer's own): they get no injections and
// their calls are not counted. The handlers installed now are the
// fuzzer's (libFuzzer's SIGALRM, SIGINT, SIGTERM, SIGUSR1/2, SIGSEGV...):
// they run unchecked and no injection is delivered to them; handlers the
// scenario installs are checked. Re-reads the Config's injections.
extern "C" SIGSTORM_EXPORT void sigstorm_fuzz_begin(const int* foreign, int n) {
  if (!g_run) return;
  if (n < 0) n = 0;
  if (n > kMaxForeignThreads) n = kMaxForeignThreads;
  for (int i = 0; i < n; ++i) g_foreign_tids[i].store(foreign[i], std::memory_order_relaxed);
  g_nforeign.store(n, std::memory_order_release);
  for (int sig = 0; sig < kNsig; ++sig)
    g_foreign_act[sig].store(g_actions[sig].load(std::memory_order_acquire), std::memory_order_relaxed);
  inject_reload();
  g_active.store(1, std::memory_order_release);
}

// The scenario ended: every call point back to the fast path. Returns the
// signals (bit sig - 1) whose handler differs from the one at begin, so the
// harness can put the fuzzer's own back.
extern "C" SIGSTORM_EXPORT unsigned long long sigstorm_fuzz_end(void) {
  g_active.store(0, std::memory_order_release);
  inject_disarm();
  uint64_t changed = 0;
  for (int sig = 1; sig < kNsig; ++sig)
    if (g_actions[sig].load(std::memory_order_acquire) != g_foreign_act[sig].load(std::memory_order_relaxed))
      changed |= 1ull << (sig - 1);
  return changed;
}

// The checks and call: injections of interposed function `id` (a row of
// inject/wire/functions.def), for calls the shim cannot interpose itself: under
// AddressSanitizer malloc and free are the sanitizer's, and the harness
// forwards them from its malloc/free hooks.
extern "C" SIGSTORM_EXPORT void sigstorm_fuzz_call(int id) {
  if (id < 0 || id >= kFnCount) return;
  if (__builtin_expect((t_state.depth | g_armed[id]) == 0, 1)) return;
  CallScope scope(id, nullptr, __builtin_return_address(0), choose(id), CallFacts{});
  (void)scope.fail_with_eintr();
}
