// The cost sigstorm adds to every malloc+free pair of a program when no
// handler runs: the wrapper's fast path (two loads and a branch).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "shim_handle.h"

namespace {

using Malloc = void* (*)(size_t);
using Free = void (*)(void*);

void run(benchmark::State& state, Malloc m, Free f) {
  for (auto _ : state) {
    void* p = m(32);
    benchmark::DoNotOptimize(p);
    f(p);
  }
}

void BM_MallocFree_bare(benchmark::State& state) { run(state, &std::malloc, &std::free); }

void BM_MallocFree_shim(benchmark::State& state) {
  run(state, sigstorm::bench::wrapper<Malloc>("malloc"), sigstorm::bench::wrapper<Free>("free"));
}

}  // namespace

BENCHMARK(BM_MallocFree_bare);
BENCHMARK(BM_MallocFree_shim);
