// The shim's wrappers, called in-process: dlopen(RTLD_LOCAL) keeps them from
// interposing on the benchmark itself, so the bare libc function and the
// wrapper around it are measured side by side, in one run.
#pragma once

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace sigstorm::bench {

// SIGSTORM_BENCH_SHIM names another build of the shim (same run-file
// layout) to measure instead: a before/after comparison of a change.
inline void* shim() {
  static void* handle = [] {
    const char* env = std::getenv("SIGSTORM_BENCH_SHIM");
    const char* path = env && *env ? env : SIGSTORM_SHIM;
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
      std::exit(2);
    }
    return h;
  }();
  return handle;
}

template <class F>
F wrapper(const char* name) {
  return reinterpret_cast<F>(dlsym(shim(), name));
}

}  // namespace sigstorm::bench
