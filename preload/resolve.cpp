// Finding the real functions behind our interposers, once, without
// recursing. Each slot is looked up by its first call (in normal context:
// a process that never installs a handler looks up only what it calls, a
// few of 240); the first handler the program installs fills in the rest
// (resolve_all, from the deferred start-up), so no handler's call ever
// waits for dlsym. The hard case is start-up inside another interposer: dlsym of a
// symbol libc lacks (atexit lives in libc_nonshared.a) takes the loader's
// error path, which mallocs; when the program's allocator is itself
// interposed (jemalloc, tcmalloc, mimalloc), its first malloc initializes it,
// and that calls interposed functions whose slots are not filled yet. Such a
// nested call resolves its own slot alone (dlsym's success path does not
// allocate), so nothing ever calls through a null pointer.
#include <atomic>

#include "preload/cold_bss.h"
#include "preload/table.h"
#include "preload/state.h"
#include "preload/sys.h"

namespace sigstorm {

constexpr FnNames kFnNames = {
#define SIGSTORM_FN(name, ...) #name,
#include "inject/wire/functions.def"
};

const FnInfo kFnInfo[kFnCount] = {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) \
  {(uint16_t)__builtin_offsetof(FnNames, name), safety, (uint8_t)(flags)},
#include "inject/wire/functions.def"
};
static_assert(sizeof(FnNames) < 65536, "FnInfo::name_at is 16 bits");

namespace real {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) ret(*name) params SIGSTORM_HOT = nullptr;
#include "inject/wire/functions.def"

namespace {
void** const kSlots[kFnCount] = {
#define SIGSTORM_FN(name, ...) reinterpret_cast<void**>(&name),
#include "inject/wire/functions.def"
};

__thread bool t_resolving __attribute__((tls_model("initial-exec")));
std::atomic<int> g_state SIGSTORM_HOT{0};  // 0 not yet, 1 in progress, 2 done
// 1: resolve_all looked it up (or is looking); 2: the C library lacks it. A
// missing symbol is asked for once, since every failed dlsym allocates its
// error message.
std::atomic<uint8_t> g_tried[kFnCount] SIGSTORM_HOT;

SIGSTORM_HOT_TEXT void* lookup(int id) {
  const FnInfo& f = kFnInfo[id];
  const char* name = f.name();
  void* p = nullptr;
  if (f.flags & VERSIONED) p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
  if (!p) p = dlsym(RTLD_NEXT, name);
  return p;
}

SIGSTORM_HOT_TEXT void fill(int id) {
  if (__atomic_load_n(kSlots[id], __ATOMIC_ACQUIRE)) return;
  if (g_tried[id].exchange(1, std::memory_order_acq_rel)) return;
  // Functions a libc may lack (pvalloc, _IO_putc, atexit) stay null; no
  // program can reach their wrapper through the loader.
  if (void* p = lookup(id)) __atomic_store_n(kSlots[id], p, __ATOMIC_RELEASE);
  else g_tried[id].store(2, std::memory_order_release);
}

void die(const char* what) {
  static const char msg[] = "sigstorm: fatal: cannot resolve the real ";
  sys::write(2, msg, sizeof msg - 1);
  sys::write(2, what, __builtin_strlen(what));
  sys::write(2, "\n", 1);
  sys::call6(SYS_exit_group, 127);
}

SIGSTORM_HOT_TEXT int slot_id(void** slot) {
  for (int id = 0; id < kFnCount; ++id)
    if (kSlots[id] == slot) return id;
  return -1;
}

// The functions an allocator or the loader may call while the others are
// looked up: first, so that the common nested calls find them filled.
constexpr FnId kFirst[] = {fn_malloc, fn_calloc, fn_realloc, fn_free, fn_sigaction};

}  // namespace

namespace {
std::atomic<bool> g_first_done SIGSTORM_HOT{false};
}  // namespace

SIGSTORM_HOT_TEXT void resolve_eager() {
  if (g_first_done.load(std::memory_order_acquire) || t_resolving) return;
  // dlsym's success path frees the previous lookup's error message: free
  // (and the allocator it belongs to) must be found before any lookup can
  // fail, or freeing that message would look up free, forever. sigaction:
  // the shim calls it directly.
  t_resolving = true;
  for (FnId id : kFirst)
    if (!__atomic_load_n(kSlots[id], __ATOMIC_ACQUIRE))
      if (void* p = lookup(id)) __atomic_store_n(kSlots[id], p, __ATOMIC_RELEASE);
  t_resolving = false;
  if (!real::malloc || !real::free || !real::sigaction) die("malloc, free or sigaction");
  g_first_done.store(true, std::memory_order_release);
}

void resolve_all() {
  if (g_state.load(std::memory_order_acquire) == 2) return;
  if (t_resolving) return;  // dlsym re-entered us: resolve_slot serves it
  int expected = 0;
  if (!g_state.compare_exchange_strong(expected, 1)) {
    while (g_state.load(std::memory_order_acquire) != 2) sys::cpu_relax();
    return;
  }
  t_resolving = true;
  for (FnId id : kFirst) fill(id);
  for (int id = 0; id < kFnCount; ++id) fill(id);
  t_resolving = false;
  if (!real::malloc || !real::free || !real::sigaction) die("malloc, free or sigaction");
  g_state.store(2, std::memory_order_release);
}

SIGSTORM_HOT_TEXT void* resolve_slot(void** slot) {
  void* p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (p) return p;
  // This one function, now: its first call, or a call from inside
  // resolve_all (an allocator starting up in dlsym's error path). A nested
  // call of another function (dlsym's error path mallocs) resolves that
  // one the same way; dlsym's success path allocates nothing and frees only
  // with the free resolve_eager found first.
  resolve_eager();  // this may be the process's first lookup (another library's constructor)
  p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (p) return p;
  const int id = slot_id(slot);
  if (id < 0) return nullptr;
  if (g_tried[id].load(std::memory_order_acquire) == 2) return nullptr;  // the C library lacks it
  void* q = lookup(id);
  if (q) {
    __atomic_store_n(kSlots[id], q, __ATOMIC_RELEASE);
  } else if (g_owner_pid != 0) {
    g_tried[id].store(2, std::memory_order_release);  // asked once: every failed dlsym allocates
  }
  // Before the shim's constructor (a sanitizer runtime calling getenv as it
  // starts) dlsym can fail for a function libc has: asked again later.
  return q;
}

}  // namespace real
}  // namespace sigstorm
