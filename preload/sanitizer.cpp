#include "preload/sanitizer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include "preload/cold_bss.h"
#include "preload/env.h"
#include "preload/sys.h"
#include "preload/state.h"
#include "preload/table.h"

// Every sanitizer runtime defines it (sanitizer/allocator_interface.h). A
// weak reference, not dlsym(): a failed dlsym() leaves its message for the
// next dl* call to free, which would be the program's first interposed call
// (a free that is a call: point of the program's).
extern "C" __attribute__((weak, visibility("default"))) int __sanitizer_install_malloc_and_free_hooks(
    void (*)(const volatile void*, size_t), void (*)(const volatile void*));

namespace sigstorm {

// check.cpp: an allocation or a free the sanitizer's allocator made.
void sanitizer_allocator_call(int fallback_id);

namespace {

// The interceptors that come before the shim: the sanitizer's, in the
// executable (clang) or in its shared runtime (gcc). Filled at start-up,
// read-only after.
struct Range {
  uintptr_t lo, hi;
  int fn;
};
constexpr int kMaxRanges = kFnCount + 16;
Range g_ranges[kMaxRanges] SIGSTORM_COLD_BSS;
int g_nranges = 0;

// operator new and delete: not rows of the table (the shim sees them as the
// malloc and free they call), but a sanitizer intercepts them itself.
struct Extra {
  const char* name;
  int fn;
};
constexpr Extra kExtra[] = {
    {"_Znwm", fn_malloc},  {"_Znam", fn_malloc},  {"_ZnwmRKSt9nothrow_t", fn_malloc},
    {"_ZnamRKSt9nothrow_t", fn_malloc}, {"_ZdlPv", fn_free}, {"_ZdaPv", fn_free},
    {"_ZdlPvm", fn_free},  {"_ZdaPvm", fn_free},  {"reallocarray", fn_realloc},
    {"valloc", fn_malloc}, {"pvalloc", fn_malloc},
};

void* g_self_base = nullptr;
// A shared runtime's code (gcc's libasan.so.8): every frame in it is the
// sanitizer's. A static runtime (clang) shares the executable with the
// program: there only the interceptors' own symbols tell.
uintptr_t g_runtime_lo = 0, g_runtime_hi = 0;

int find_runtime(struct dl_phdr_info* info, size_t, void* addr) {
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    const uintptr_t a = info->dlpi_addr + ph.p_vaddr;
    if (a < lo) lo = a;
    if (a + ph.p_memsz > hi) hi = a + ph.p_memsz;
  }
  if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi) return 0;
  if (info->dlpi_name && info->dlpi_name[0]) {  // not the executable
    g_runtime_lo = lo;
    g_runtime_hi = hi;
  }
  return 1;
}  // the shim's load address: its own definitions are not interceptors

void add_range(const char* name, int fn) {
  void* p = dlsym(RTLD_DEFAULT, name);
  if (!p || g_nranges >= kMaxRanges) return;
  Dl_info info;
  const ElfW(Sym)* sym = nullptr;
  if (!dladdr1(p, &info, (void**)&sym, RTLD_DL_SYMENT) || info.dli_fbase == g_self_base || !sym || !sym->st_size)
    return;
  g_ranges[g_nranges++] = {(uintptr_t)p, (uintptr_t)p + sym->st_size, fn};
}

void on_malloc(const volatile void*, size_t) { sanitizer_allocator_call(fn_malloc); }
void on_free(const volatile void* p) {
  if (p) sanitizer_allocator_call(fn_free);
}

bool same_entry(const char* p, size_t len, const char* path) {
  return len == __builtin_strlen(path) && __builtin_strncmp(p, path, len) == 0;
}

void remember_runtime(const char* head, size_t len) {
  if (len >= sizeof g_chain_env.preload_first) return;  // the program re-exec'ing itself will say why
  struct stat st;
  if (sys::fstatat(AT_FDCWD, "/proc/self/exe", &st, 0) != 0) return;
  __builtin_memcpy(g_chain_env.preload_first, head, len);
  g_chain_env.preload_first[len] = 0;
  g_chain_env.exe_dev = st.st_dev;
  g_chain_env.exe_ino = st.st_ino;
  g_env.chain |= kChainRuntime;
}

// LD_PRELOAD=RUNTIME:SHIM[:the user's]: the loader has mapped RUNTIME
// already; what the program and its children see is LD_PRELOAD=SHIM[:...],
// as for any program under sigstorm (a program without the sanitizer must
// not get its runtime). Edited in place: the result is shorter.
SIGSTORM_HOT_TEXT void drop_preload_head() {
  const char* shim = g_env.shim_path;
  if (!shim[0]) return;
  for (char** e = env_list(); e && *e; ++e) {
    char* kv = *e;
    if (__builtin_strncmp(kv, "LD_PRELOAD=", 11) != 0) continue;
    char* list = kv + 11;
    for (char* p = list; *p;) {
      char* end = p;
      while (*end && *end != ':' && *end != ' ') ++end;
      if (same_entry(p, (size_t)(end - p), shim)) {
        if (p == list) return;
        remember_runtime(list, (size_t)(p - 1 - list));
        __builtin_memmove(list, p, __builtin_strlen(p) + 1);
        return;
      }
      p = *end ? end + 1 : end;
    }
    return;
  }
}

}  // namespace

SIGSTORM_HOT_TEXT bool sanitizer_init() {
  if (g_env.run_file[0]) drop_preload_head();  // a run of the CLI, which put the runtime there
  auto install = &__sanitizer_install_malloc_and_free_hooks;
  if (!install) return false;
  Dl_info self;
  if (!dladdr((void*)&sanitizer_init, &self)) return true;
  g_self_base = self.dli_fbase;
  dl_iterate_phdr(find_runtime, (void*)install);
  for (int id = 0; id < kFnCount; ++id) add_range(kFnInfo[id].name(), id);
  for (const Extra& x : kExtra) add_range(x.name, x.fn);
  // Only an allocator that is the sanitizer's: UBSan's runtime has the hook
  // API too, but there the shim's malloc is the one the program calls. (This
  // dlsym() succeeds: it frees what add_range's failed ones left, here.)
  Dl_info m;
  if (dladdr(dlsym(RTLD_DEFAULT, "malloc"), &m) && m.dli_fbase != g_self_base) install(on_malloc, on_free);
  return true;
}

SIGSTORM_HOT_TEXT bool exec_needs_runtime(const char* path, int fd) {
  if (!(g_env.chain & kChainRuntime)) return false;
  struct stat st;
  const long r = path ? sys::fstatat(AT_FDCWD, path, &st, 0) : sys::fstatat(fd, "", &st, AT_EMPTY_PATH);
  return r == 0 && st.st_dev == g_chain_env.exe_dev && st.st_ino == g_chain_env.exe_ino;
}

int sanitizer_interceptor(uintptr_t pc, uintptr_t* start) {
  for (int i = 0; i < g_nranges; ++i)
    if (pc >= g_ranges[i].lo && pc < g_ranges[i].hi) {
      if (start) *start = g_ranges[i].lo;
      return g_ranges[i].fn;
    }
  return -1;
}

namespace {
bool sanitizer_frame(uintptr_t pc) {
  return (pc >= g_runtime_lo && pc < g_runtime_hi) || sanitizer_interceptor(pc, nullptr) >= 0;
}
}  // namespace

bool inside_sanitizer_call(uintptr_t site) {
  if (__builtin_expect(g_nranges == 0 && g_runtime_hi == 0, 1)) return false;
  if (sanitizer_frame(site)) return true;
  RawStack raw;
  ThreadState& ts = t_state;
  ts.in_shim++;
  capture_stack(&raw, 0);
  ts.in_shim--;
  return inside_interceptor(raw, 0);
}

bool inside_interceptor(const RawStack& raw, uint32_t first) {
  // Interceptors only: TSan's and MSan's handler that called the program's
  // is runtime code too, between the program's handler and the signal.
  for (uint32_t k = first; k < raw.n && !(raw.flags[k] & wire::kFrameSignal); ++k)
    if (sanitizer_interceptor(raw.pc[k], nullptr) >= 0) return true;
  return false;
}

uint32_t drop_interceptor_frames(RawStack* raw, uint32_t first, int* fn, uintptr_t* start) {
  // The innermost frame that is surely the sanitizer's (an interceptor, or
  // code of a shared runtime); a static runtime's allocator frames above it
  // are not known by name, but are above it.
  uint32_t end = first;
  while (end < raw->n && !sanitizer_frame(raw->pc[end])) ++end;
  if (end == raw->n) return 0;
  for (; end < raw->n && sanitizer_frame(raw->pc[end]); ++end) {
    uintptr_t lo = 0;
    if (const int id = sanitizer_interceptor(raw->pc[end], &lo); id >= 0) {
      if (fn) *fn = id;
      if (start) *start = lo;
    } else if (start && end + 1 < raw->n && !sanitizer_frame(raw->pc[end + 1])) {
      *start = raw->pc[end];  // the interceptor's out-of-line part (gcc's .cold)
    }
  }
  if (end == raw->n) return 0;  // nothing of the program's: keep it all
  const uint32_t drop = end - first;
  for (uint32_t k = first; k + drop < raw->n; ++k) {
    raw->pc[k] = raw->pc[k + drop];
    raw->flags[k] = raw->flags[k + drop];
  }
  raw->n -= drop;
  return drop;
}

}  // namespace sigstorm
