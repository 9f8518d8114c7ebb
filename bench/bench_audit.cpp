// What the audit library's stub adds to a call into a shared object when no
// handler runs (the goal: about 1 ns). Run it under sigstorm, so
// both variants are measured in the same process:
//
//   build/bin/sigstorm run -- build/bin/sigstorm_bench --benchmark_filter=AuditCall
//
// BM_AuditCall_stub calls sigstorm_bench_callee (bench/audit_callee.c)
// through the program's PLT, which the audit library bound to a stub (it is
// on neither allowlist); BM_AuditCall_bare calls the same code loaded again
// with dlmopen into a link namespace of its own, which the audit library
// does not bind (and a pointer from there is no stub). Run bare, the two are
// the same call (audit_stub reads 0).
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <stdlib.h>

#include <cstring>

extern "C" int sigstorm_bench_callee(unsigned* seed);

namespace {

using Callee = int (*)(unsigned*);

// Under sigstorm, with the audit library loaded (the PLT entry of the callee is a stub)?
bool bound_to_stub() {
  const char* audit = getenv("LD_AUDIT");
  return audit && std::strstr(audit, "libsigstorm-audit.so") && getenv("SIGSTORM_RUN_FILE");
}

void BM_AuditCall_stub(benchmark::State& state) {
  unsigned seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(sigstorm_bench_callee(&seed));
  state.counters["audit_stub"] = bound_to_stub() ? 1 : 0;
}

void BM_AuditCall_bare(benchmark::State& state) {
  // Once: a process has only 16 link namespaces.
  static void* h = dlmopen(LM_ID_NEWLM, SIGSTORM_BENCH_CALLEE, RTLD_NOW | RTLD_LOCAL);
  static const Callee loaded = h ? (Callee)dlsym(h, "sigstorm_bench_callee") : nullptr;
  Callee fn = loaded;
  if (!fn) {
    state.SkipWithError("dlmopen of the callee failed");
    return;
  }
  benchmark::DoNotOptimize(fn);
  unsigned seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(fn(&seed));
}

}  // namespace

BENCHMARK(BM_AuditCall_bare);
BENCHMARK(BM_AuditCall_stub);
