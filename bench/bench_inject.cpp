// The cost of --inject at call: points (issue 3), each against the bare libc
// function in the same run:
//
//   CallPointUnarmed   a wrapper whose point no spec watches (the fast path
//                      every interposed call of every program takes)
//   CallPointNotFiring a call: point that is armed but does not fire on this
//                      hit (when= selects none): the hit is counted, nothing
//                      is sent. Target: under 5 ns added.
//   Injection          a call: point that fires on every hit: SIGUSR1 sent
//                      to the calling thread, delivered at once through the
//                      shim's trampoline to a flag-only handler
//
// The shim reads its Config from the run file when it is loaded, so the run
// file is made first (inject/run/run_file.h, the CLI's own code) and named in
// SIGSTORM_RUN_FILE before shim_handle.h's dlopen.
#include <benchmark/benchmark.h>

#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "inject/wire/record_format.h"
#include "inject/run/run_file.h"
#include "inject/options/spec.h"
#include "shim_handle.h"

namespace {

// Never selected: when= its 10^18th hit (a run would take decades to get there).
constexpr const char* kNotFiring = "SIGUSR1@call:qsort,when=1000000000000000000";
constexpr const char* kFiring = "SIGUSR1@call:strerror";

volatile sig_atomic_t g_seen;
void on_usr1(int) { g_seen = g_seen + 1; }

// The run file with the two specs, made before main() (so before any
// benchmark's first shim() call, in this file or another) and named in the
// environment for the shim's constructor to find.
struct RunFileForShim {
  std::unique_ptr<sigstorm::RunFile> file;
  RunFileForShim() {
    // A child this binary re-executes with the shim preloaded (bench_fuzz)
    // has its own run file, or none: leave it alone.
    if (const char* pre = std::getenv("LD_PRELOAD"); pre && *pre) return;
    try {
      sigstorm::wire::Config config{};
      config.checks = sigstorm::wire::kAllChecks;
      config.policy = sigstorm::wire::kPolicyPosix;
      config.seed = 1;
      config.hang_timeout_ns = 2'000'000'000ull;
      config.time_scale = 1.0;
      for (const char* spec : {kNotFiring, kFiring}) {
        sigstorm::SpecResult r = sigstorm::parse_spec(spec);
        if (!r.ok) throw std::runtime_error(r.error);
        config.injections[config.injection_count++] = r.injection;
      }
      file = std::make_unique<sigstorm::RunFile>(sigstorm::RunFile::create(config));
      setenv(sigstorm::wire::kEnvRunFile, file->path().c_str(), 1);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_inject: cannot make the run file: %s\n", e.what());
      std::exit(2);
    }
  }
};
RunFileForShim g_run_file;

// The shim, with SIGUSR1's handler installed through the shim's own
// sigaction, as in a preloaded program: the kernel runs the shim's
// trampoline, which runs on_usr1.
void* load_shim_with_injections() {
  static void* handle = [] {
    void* h = sigstorm::bench::shim();
    using Sigaction = int (*)(int, const struct sigaction*, struct sigaction*);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigstorm::bench::wrapper<Sigaction>("sigaction")(SIGUSR1, &sa, nullptr) != 0) {
      std::perror("bench_inject: sigaction");
      std::exit(2);
    }
    return h;
  }();
  return handle;
}

template <class F>
F shim_fn(const char* name) {
  load_shim_with_injections();
  return sigstorm::bench::wrapper<F>(name);
}

int cmp(const void*, const void*) { return 0; }

// ---- an armed point that does not fire: qsort of nothing ----

using Qsort = void (*)(void*, size_t, size_t, int (*)(const void*, const void*));

void qsort_loop(benchmark::State& state, Qsort q) {
  int a[1] = {0};
  for (auto _ : state) {
    q(a, 0, sizeof a[0], cmp);
    benchmark::ClobberMemory();
  }
}

void BM_CallPointNotFiring_bare(benchmark::State& state) { qsort_loop(state, &::qsort); }
void BM_CallPointNotFiring_shim(benchmark::State& state) { qsort_loop(state, shim_fn<Qsort>("qsort")); }

// ---- a point no spec watches: rand() ----

using Rand = int (*)();

void rand_loop(benchmark::State& state, Rand r) {
  for (auto _ : state) benchmark::DoNotOptimize(r());
}

void BM_CallPointUnarmed_bare(benchmark::State& state) { rand_loop(state, &::rand); }
void BM_CallPointUnarmed_shim(benchmark::State& state) { rand_loop(state, shim_fn<Rand>("rand")); }

// ---- an injection that fires on every call ----

using Strerror = char* (*)(int);

void strerror_loop(benchmark::State& state, Strerror s) {
  const sig_atomic_t before = g_seen;
  for (auto _ : state) benchmark::DoNotOptimize(s(0));
  state.counters["handler_runs"] = benchmark::Counter(static_cast<double>(g_seen - before));
}

void BM_Injection_bare(benchmark::State& state) { strerror_loop(state, &::strerror); }
void BM_Injection_fire(benchmark::State& state) {
  Strerror s = shim_fn<Strerror>("strerror");
  strerror_loop(state, s);
  if (g_seen == 0) state.SkipWithError("the injection never fired");
}

}  // namespace

BENCHMARK(BM_CallPointNotFiring_bare);
BENCHMARK(BM_CallPointNotFiring_shim);
BENCHMARK(BM_CallPointUnarmed_bare);
BENCHMARK(BM_CallPointUnarmed_shim);
BENCHMARK(BM_Injection_bare);
BENCHMARK(BM_Injection_fire);
