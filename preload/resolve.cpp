// Finding the real functions behind our interposers, once, without
// recursing: dlsym may itself allocate, and that malloc lands in our wrapper.
#include <atomic>

#include "preload/table.h"
#include "preload/sys.h"

namespace sigstorm {

const FnInfo kFnInfo[kFnCount] = {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) {#name, safety, (uint8_t)(flags)},
#include "inject/functions.def"
};

namespace real {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) ret(*name) params = nullptr;
#include "inject/functions.def"

namespace {
void** const kSlots[kFnCount] = {
#define SIGSTORM_FN(name, ...) reinterpret_cast<void**>(&name),
#include "inject/functions.def"
};

__thread bool t_resolving __attribute__((tls_model("initial-exec")));
std::atomic<int> g_state{0};  // 0 not yet, 1 in progress, 2 done

void* lookup(int id) {
  const FnInfo& f = kFnInfo[id];
  void* p = nullptr;
  if (f.flags & VERSIONED) p = dlvsym(RTLD_NEXT, f.name, "GLIBC_2.3.2");
  if (!p) p = dlsym(RTLD_NEXT, f.name);
  return p;
}

void die(const char* what) {
  static const char msg[] = "sigstorm: fatal: cannot resolve the real ";
  sys::write(2, msg, sizeof msg - 1);
  sys::write(2, what, __builtin_strlen(what));
  sys::write(2, "\n", 1);
  sys::call6(SYS_exit_group, 127);
}
}  // namespace

bool resolving() { return t_resolving; }

void resolve_all() {
  if (g_state.load(std::memory_order_acquire) == 2) return;
  if (t_resolving) return;  // dlsym re-entered us: the arena serves it
  int expected = 0;
  if (!g_state.compare_exchange_strong(expected, 1)) {
    while (g_state.load(std::memory_order_acquire) != 2) sys::cpu_relax();
    return;
  }
  t_resolving = true;
  for (int id = 0; id < kFnCount; ++id) {
    void* p = lookup(id);
    // Functions a libc may lack (pvalloc, _IO_putc, ...) stay null; their
    // wrapper is then unreachable, as no program can link against them.
    __atomic_store_n(kSlots[id], p, __ATOMIC_RELEASE);
  }
  t_resolving = false;
  if (!real::malloc || !real::free || !real::sigaction) die("malloc, free or sigaction");
  g_state.store(2, std::memory_order_release);
}

}  // namespace real
}  // namespace sigstorm
