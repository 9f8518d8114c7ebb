// What the audit library's stub adds to a call into a shared object when no
// handler runs (the goal: about 1 ns). Run it under sigstorm, so
// both variants are measured in the same process:
//
//   build/bin/sigstorm run -- build/bench/sigstorm_bench --benchmark_filter=AuditCall
//
// BM_AuditCall_stub calls rand_r through the program's PLT, which the audit library
// bound to a stub (rand_r is on neither allowlist); BM_AuditCall_bare calls the same
// function through the pointer dlsym returns, which no stub stands in front
// of. Run bare, the two are the same call (audit_stub reads 0).
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <stdlib.h>

#include <cstring>

namespace {

using RandR = int (*)(unsigned*);

// Under sigstorm, with the audit library loaded (the PLT's rand_r is a stub)?
bool bound_to_stub() {
  const char* audit = getenv("LD_AUDIT");
  return audit && std::strstr(audit, "libsigstorm-audit.so") && getenv("SIGSTORM_RUN_FILE");
}

void BM_AuditCall_stub(benchmark::State& state) {
  unsigned seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(rand_r(&seed));
  state.counters["audit_stub"] = bound_to_stub() ? 1 : 0;
}

void BM_AuditCall_bare(benchmark::State& state) {
  auto fn = (RandR)dlsym(RTLD_DEFAULT, "rand_r");
  benchmark::DoNotOptimize(fn);
  unsigned seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(fn(&seed));
}

}  // namespace

BENCHMARK(BM_AuditCall_bare);
BENCHMARK(BM_AuditCall_stub);
