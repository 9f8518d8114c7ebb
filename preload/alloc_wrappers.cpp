// malloc, calloc, realloc, free: hand-written only because dlsym may
// allocate while we look them up; those few bytes come from a static arena
// and are never freed.
#include <errno.h>

#include "preload/cold_bss.h"
#include "preload/interpose.h"
#include "preload/startup.h"

using namespace sigstorm;

namespace {

alignas(64) char g_arena[64 * 1024] SIGSTORM_COLD_BSS;
std::atomic<size_t> g_arena_used{0};

bool from_arena(const void* p) {
  return (const char*)p >= g_arena && (const char*)p < g_arena + sizeof g_arena;
}

__attribute__((noinline, cold)) void* arena_alloc(size_t n) {
  n = (n + 15) & ~size_t{15};
  size_t at = g_arena_used.fetch_add(n);
  if (at + n > sizeof g_arena) return nullptr;
  return g_arena + at;  // static storage: already zeroed for calloc
}

// Under LD_AUDIT the loader allocates with the program's calloc while it
// relocates itself again (rtld-audit's per-binding table), after libc is
// relocated but before libc's early initialisation. A first call of libc's
// malloc there sets malloc up as for a libc in a secondary namespace: never
// brk, the heap in 1 MB mmaps, and calloc clearing what the kernel already
// zeroed (git faulted 128 pages more per command). Those few bytes come
// from the arena: libc's malloc starts with the program, as it would bare.
// Once the constructor has started, one predictable branch.
inline void* early(size_t n) {
  return __builtin_expect(g_ctor == Ctor::kNotYet, 0) && loader_starting() ? arena_alloc(n) : nullptr;
}

}  // namespace

SIGSTORM_WRAPPER(void*, malloc, (size_t size)) {
  if (void* p = early(size)) return p;
  auto fn = real_fn(real::malloc);
  if (__builtin_expect(fn == nullptr, 0)) return arena_alloc(size);
  SIGSTORM_INTERCEPT(fn_malloc, fn(size));
}

SIGSTORM_WRAPPER(void*, calloc, (size_t n, size_t size)) {
  size_t bytes;
  const bool overflow = __builtin_mul_overflow(n, size, &bytes);
  if (!overflow)
    if (void* p = early(bytes)) return p;
  auto fn = real_fn(real::calloc);
  if (__builtin_expect(fn == nullptr, 0)) return overflow ? nullptr : arena_alloc(bytes);
  SIGSTORM_INTERCEPT(fn_calloc, fn(n, size));
}

SIGSTORM_WRAPPER(void*, realloc, (void* p, size_t size)) {
  auto fn = real_fn(real::realloc);
  if (__builtin_expect(fn == nullptr || from_arena(p), 0)) {
    void* q = fn ? real::malloc(size) : arena_alloc(size);
    if (q && p) {
      size_t room = (size_t)(g_arena + sizeof g_arena - (char*)p);
      __builtin_memcpy(q, p, size < room ? size : room);
    }
    return q;
  }
  SIGSTORM_INTERCEPT(fn_realloc, fn(p, size));
}

SIGSTORM_WRAPPER(void, free, (void* p)) {
  if (__builtin_expect(from_arena(p), 0)) return;
  auto fn = real_fn(real::free);
  if (__builtin_expect(fn == nullptr, 0)) return;
  SIGSTORM_INTERCEPT(fn_free, fn(p));
}
