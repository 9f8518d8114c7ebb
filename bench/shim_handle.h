// The shim's wrappers, called in-process: dlopen(RTLD_LOCAL) keeps them from
// interposing on the benchmark itself, so the bare libc function and the
// wrapper around it are measured side by side, in one run.
#pragma once

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace sigstorm::bench {

inline void* shim() {
  static void* handle = [] {
    void* h = dlopen(SIGSTORM_SHIM, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::fprintf(stderr, "cannot load %s: %s\n", SIGSTORM_SHIM, dlerror());
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
