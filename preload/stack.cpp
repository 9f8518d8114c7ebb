#include "preload/stack.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <link.h>

#include "preload/handlers.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/table.h"
#include "preload/unwind_files.h"

namespace sigstorm {
namespace {

#define SIGSTORM_STR2(x) #x
#define SIGSTORM_STR(x) SIGSTORM_STR2(x)

struct Unwind {
  int (*getcontext)(unw_context_t*);
  int (*init_local)(unw_cursor_t*, unw_context_t*);
  int (*step)(unw_cursor_t*);
  int (*get_reg)(unw_cursor_t*, unw_regnum_t, unw_word_t*);
  int (*is_signal_frame)(unw_cursor_t*);
  int (*set_caching_policy)(unw_addr_space_t, unw_caching_policy_t);
  unw_addr_space_t* local_space;
};
Unwind g_unw;
bool g_unw_ok = false;
uintptr_t g_text_lo = 0, g_text_hi = 0;

int find_own_text(struct dl_phdr_info* info, size_t, void* self) {
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + ph.p_vaddr;
    if (a < lo) lo = a;
    if (a + ph.p_memsz > hi) hi = a + ph.p_memsz;
  }
  uintptr_t me = (uintptr_t)self;
  if (me >= lo && me < hi) {
    g_text_lo = lo;
    g_text_hi = hi;
    return 1;
  }
  return 0;
}

}  // namespace

bool in_shim_text(uintptr_t pc) { return pc >= g_text_lo && pc < g_text_hi; }

void stack_init() {
  // Once per process image: a fork server's copies find it done by their
  // parent.
  // Written before it is read: a read of this untouched .bss page would map
  // the zero page, and the write after it fault a second time.
  static bool done = false;
  if (__atomic_exchange_n(&done, true, __ATOMIC_RELAXED)) return;
  dl_iterate_phdr(find_own_text, (void*)&stack_init);
  if (!real::dlopen) return;
  // RTLD_LOCAL keeps libunwind's _Unwind_* out of the program's symbol
  // scope: C++ exceptions keep unwinding with libgcc_s. By path, what it
  // needs first, so that the loader finds its DT_NEEDED by soname among the
  // loaded objects and searches nothing; the last file is libunwind's own.
  void* h = nullptr;
  audit_own_loading(true);
  for (const char* const* file = kUnwindFiles; *file; ++file) h = real::dlopen(*file, RTLD_NOW | RTLD_LOCAL);
  // Moved or never there (a package built elsewhere): the loader's search.
  if (!h) h = real::dlopen(SIGSTORM_LIBUNWIND_SONAME, RTLD_NOW | RTLD_LOCAL);
  audit_own_loading(false);
  if (!h) return;
  g_unw.getcontext = (int (*)(unw_context_t*))dlsym(h, SIGSTORM_STR(unw_tdep_getcontext));
  g_unw.init_local = (int (*)(unw_cursor_t*, unw_context_t*))dlsym(h, SIGSTORM_STR(unw_init_local));
  g_unw.step = (int (*)(unw_cursor_t*))dlsym(h, SIGSTORM_STR(unw_step));
  g_unw.get_reg = (int (*)(unw_cursor_t*, unw_regnum_t, unw_word_t*))dlsym(h, SIGSTORM_STR(unw_get_reg));
  g_unw.is_signal_frame = (int (*)(unw_cursor_t*))dlsym(h, SIGSTORM_STR(unw_is_signal_frame));
  g_unw.set_caching_policy =
      (int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(h, SIGSTORM_STR(unw_set_caching_policy));
  g_unw.local_space = (unw_addr_space_t*)dlsym(h, SIGSTORM_STR(unw_local_addr_space));
  g_unw_ok = g_unw.getcontext && g_unw.init_local && g_unw.step && g_unw.get_reg &&
             g_unw.is_signal_frame;
  if (!g_unw_ok) return;
  // Per-thread caches need no lock, so a handler can unwind while the code
  // it interrupted was unwinding too.
  if (g_unw.set_caching_policy && g_unw.local_space)
    g_unw.set_caching_policy(*g_unw.local_space, UNW_CACHE_PER_THREAD);
  // libunwind's once-per-process set-up (tdep_init: its memory pools, the
  // pipe it validates addresses with) happens at the first unw_init_local:
  // here, not in the first handler that captures. A whole walk would only
  // add this thread's cache of these frames: 70 sigprocmask calls, ~20 us.
  unw_context_t uc;
  unw_cursor_t cursor;
  if (g_unw.getcontext(&uc) == 0) g_unw.init_local(&cursor, &uc);
}

namespace {

void walk(RawStack* out, int skip_signal_frames) {
  unw_context_t uc;
  unw_cursor_t cursor;
  if (g_unw.getcontext(&uc) != 0 || g_unw.init_local(&cursor, &uc) != 0) return;
  const uint32_t first = out->n;  // frames before this one were given by the caller
  bool carry_signal = false;       // a signal interrupted the shim itself (an injection)
  int guard = 0;
  do {
    unw_word_t ip = 0;
    if (g_unw.get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0 || ++guard > 256) break;
    // libunwind flags the frame a signal interrupted: its pc is exact, and
    // the frame just above it is the kernel's sigreturn trampoline.
    const bool interrupted = g_unw.is_signal_frame(&cursor) > 0;
    if (interrupted && out->n > first) out->n--;  // drop the sigreturn trampoline
    uint32_t flags = wire::kFrameCallsite;
    if (interrupted && skip_signal_frames > 0) {
      // A fault handler's capture: start at the faulting instruction.
      --skip_signal_frames;
      out->n = first;
      flags = 0;
    } else if (interrupted) {
      flags = wire::kFrameSignal;
    } else if (skip_signal_frames > 0) {
      continue;  // still inside the fault handler, above the fault
    }
    if (in_shim_text(ip)) {
      // Our wrappers and trampoline are noise; a signal that landed in them
      // (an injection at a call: point) still shows where it landed.
      carry_signal |= interrupted && flags == wire::kFrameSignal;
      continue;
    }
    if (carry_signal) {
      flags |= wire::kFrameSignal;
      carry_signal = false;
    }
    if (out->n >= wire::kMaxFrames) break;
    out->pc[out->n] = ip;
    out->flags[out->n++] = flags;
  } while (g_unw.step(&cursor) > 0);
}

}  // namespace

void capture_stack(RawStack* out, int skip_signal_frames) {
  if (!g_unw_ok) return;
  // libunwind's address validation sets errno (its pipe's first read is
  // EAGAIN, mincore of an unmapped page ENOMEM); a capture runs inside the
  // program's handlers and calls, whose errno is theirs.
  const int saved_errno = errno;
  walk(out, skip_signal_frames);
  errno = saved_errno;
}

namespace {

bool same_path(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

uint32_t module_index(const char* path) {
  wire::Header* run = g_run;
  if (!run) return 0;
  uint32_t n = run->next_module.load(std::memory_order_acquire);
  if (n > wire::kMaxModules) n = wire::kMaxModules;
  for (uint32_t i = 0; i < n; ++i) {
    if (run->modules[i].ready.load(std::memory_order_acquire) && same_path(run->modules[i].path, path))
      return i + 1;
  }
  uint32_t i = run->next_module.fetch_add(1);
  if (i >= wire::kMaxModules) return 0;
  size_t k = 0;
  for (; path[k] && k < wire::kModulePathLen - 1; ++k) run->modules[i].path[k] = path[k];
  run->modules[i].path[k] = 0;
  run->modules[i].ready.store(1, std::memory_order_release);
  return i + 1;
}

uintptr_t parse_hex(const char*& p) {
  uintptr_t v = 0;
  for (;; ++p) {
    char c = *p;
    if (c >= '0' && c <= '9') v = v * 16 + (c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (c - 'a' + 10);
    else break;
  }
  return v;
}

// One line of /proc/self/maps: "lo-hi perms offset dev inode   path".
void place_line(const char* line, const uintptr_t* pcs, uint32_t n, wire::Frame* out) {
  const char* p = line;
  uintptr_t lo = parse_hex(p);
  if (*p++ != '-') return;
  uintptr_t hi = parse_hex(p);
  bool any = false;
  for (uint32_t i = 0; i < n; ++i) any |= out[i].module == 0 && pcs[i] >= lo && pcs[i] < hi;
  if (!any) return;
  for (int field = 0; field < 1; ++field) {
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;  // perms
  }
  while (*p == ' ') ++p;
  uintptr_t off = parse_hex(p);
  for (int field = 0; field < 2; ++field) {  // dev, inode
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;
  }
  while (*p == ' ') ++p;
  if (*p != '/') return;  // anonymous, [vdso], [stack]: nothing to symbolize from
  uint32_t mod = module_index(p);
  if (!mod) return;
  for (uint32_t i = 0; i < n; ++i) {
    if (out[i].module == 0 && pcs[i] >= lo && pcs[i] < hi) {
      out[i].module = mod;
      out[i].offset = pcs[i] - lo + off;
    }
  }
}

}  // namespace

void resolve_frames(const RawStack& raw, wire::Frame* out) {
  for (uint32_t i = 0; i < raw.n; ++i) {
    out[i].module = 0;
    out[i].offset = raw.pc[i];
    out[i].flags = raw.flags[i];
  }
  long fd = sys::openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  size_t len = 0;
  bool eof = false;
  for (;;) {
    char* nl = (char*)__builtin_memchr(buf, '\n', len);
    if (!nl) {
      if (eof) break;
      if (len >= sizeof buf - 1) len = 0;  // a line longer than the buffer: drop it
      long r = sys::read((int)fd, buf + len, sizeof buf - 1 - len);
      if (r <= 0) {
        eof = true;
        if (len == 0) break;
        buf[len++] = '\n';
      } else {
        len += (size_t)r;
      }
      continue;
    }
    *nl = 0;
    place_line(buf, raw.pc, raw.n, out);
    size_t used = (size_t)(nl + 1 - buf);
    __builtin_memmove(buf, nl + 1, len - used);
    len -= used;
  }
  sys::close((int)fd);
}

void resolve_one(uintptr_t pc, uint32_t flags, wire::Frame* out) {
  RawStack one;
  one.pc[0] = pc;
  one.flags[0] = flags;
  one.n = 1;
  resolve_frames(one, out);
}

}  // namespace sigstorm
