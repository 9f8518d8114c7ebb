// libsigstorm-audit.so: the LD_AUDIT half of the unsafe-call check
// (rtld-audit(7)). The dynamic linker asks it about every symbol binding of
// every object of the program's namespace, at start-up (also BIND_NOW, since
// glibc 2.35), on lazy binding and in dlopen()ed objects. A function the
// policy allows, or one the shim interposes (which checks itself), is bound
// as it was: no cost. Any other gets a stub (stub_for), and the shim
// (preload/audit_link.cpp) does the rest.
//
// The stubs a process ordinarily needs are made at build time, in this
// library's own read-only text (stub_pool.cpp); their targets, the running
// count and the common slot are in its .bss. A process pays for them only
// the pages it touches, and nothing is mapped at start-up. Beyond the pool
// (a program that binds more than kPoolStubs functions: a GTK application,
// a test asking dlsym() for every function of two big libraries), stubs are
// written at run time into a memfd mapped twice (map_overflow).
//
// This library runs in its own link namespace, before the program's libc is
// even relocated, and links no C library at all (no DT_NEEDED): one there
// would be a second libc mapped and relocated in every process of a run.
// Its system calls are raw (preload/sys.h), the few functions the compiler
// may call are its own (no_libc.cpp), and it reads its one variable from
// the environment the loader gives its constructor. It allocates nothing
// but mappings, and keeps no lock
// (lazy binding runs on any thread, also in a signal handler).
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <sys/mman.h>

#include <atomic>

#include "inject/wire/audit_link.h"
#include "inject/wire/record_format.h"
#include "preload/audit/name_classes.h"
#include "preload/audit/stub_pool.h"
#include "preload/sys.h"

#define SIGSTORM_AUDIT_EXPORT extern "C" __attribute__((visibility("default")))

// What every stub reads (stub_pool.h), written as plain data: no page is
// ever writable and executable. Each on a cache line of its own: `running`
// is written at every handler's entry and exit.
extern "C" {
__attribute__((visibility("hidden"), aligned(64))) std::atomic<uint32_t> sigstorm_audit_running{0};
__attribute__((visibility("hidden"), aligned(64))) void* sigstorm_audit_common_slot = nullptr;
}

namespace {

using sigstorm::wire::AuditLink;

constexpr uint32_t kMaxStubs = SIGSTORM_AUDIT_MAX_STUBS;
constexpr uint32_t kPoolStubs = SIGSTORM_AUDIT_POOL;
constexpr size_t kStubBytes = 32;
// An overflow stub is in a mapping anywhere in the address space: it names
// what it reads by absolute address (movabs), so 64 bytes.
constexpr size_t kOverflowBytes = 64;
constexpr size_t kOverflowSize = (kMaxStubs - kPoolStubs) * kOverflowBytes;
// The stubs' hash: generations of 512, 1024, ... 65536 slots, each filled
// to half before the next is used, so that a process with a few hundred
// stubs touches little of it. (One table sized for the largest program and
// probed at random faults a page in at nearly every stub.)
constexpr uint32_t kHashGenerations = 8;
constexpr uint32_t kFirstGenerationSlots = 512;
constexpr uint32_t kHashSlots = kFirstGenerationSlots * ((1u << kHashGenerations) - 1);
// The bookkeeping, in one mapping (one area to set up, copy at every fork
// and tear down, not four): per stub its defining object, name and mode, and
// the hash. Laid out so that what the first 256 stubs need is on two pages
// (each page a fault in every process): one holds the defining objects
// (indexed downwards, ending at mid-page) and the names (from mid-page up),
// the other the hash's first generation (2 KB) and the modes after it.
constexpr size_t kPage = 4096;
constexpr size_t kDefinedEnd = kPage / 2 + kMaxStubs * sizeof(uintptr_t);  // defined_in(id) just below
constexpr size_t kNamesOffset = kDefinedEnd;
constexpr size_t kFirstHashOffset = (kNamesOffset + kMaxStubs * sizeof(char*) + kPage - 1) & ~(kPage - 1);
constexpr size_t kModesOffset = kFirstHashOffset + kFirstGenerationSlots * sizeof(uint32_t);
constexpr size_t kHashOffset = (kModesOffset + kMaxStubs + kPage - 1) & ~(kPage - 1);  // generations 1 and on
constexpr size_t kBookkeepingSize = kHashOffset + (kHashSlots - kFirstGenerationSlots) * sizeof(uint32_t);
static_assert(kNamesOffset % kPage == kPage / 2 && kModesOffset % kPage == kPage / 2);

// The calls a sanitizer's instrumentation makes into its runtime
// (__asan_handle_no_return before a longjmp, __tsan_read4 on every load,
// __ubsan_handle_* on undefined behaviour) and its interface: the compiler's,
// not the handler's author's. Arrays, not pointers: nothing to relocate.
constexpr char kSanitizerPrefixes[][16] = {
    "__asan_", "__tsan_", "__msan_", "__ubsan_", "__lsan_", "__hwasan_", "__sanitizer_", "__sancov_",
};

bool starts_with(const char* s, const char* prefix) {
  while (*prefix && *s == *prefix) ++s, ++prefix;
  return *prefix == 0;
}

bool sanitizer_interface(const char* name) {
  if (name[0] != '_' || name[1] != '_') return false;
  for (const char* p : kSanitizerPrefixes)
    if (starts_with(name, p)) return true;
  return false;
}

// A sanitizer's shared runtime, by its file name (libasan.so.8).
constexpr char kSanitizerRuntimes[][16] = {"libasan.so", "libtsan.so", "libubsan.so", "liblsan.so", "libhwasan.so"};

bool is_sanitizer_runtime(const char* file) {
  if (file[0] != 'l') return false;
  for (const char* lib : kSanitizerRuntimes)
    if (starts_with(file, lib)) return true;
  return false;
}

AuditLink g_link;
// The overflow memfd: 0 none yet, 1 being mapped (by the first binding past
// the pool), 2 mapped, 3 could not be mapped.
std::atomic<uint32_t> g_overflow_state{0};
std::atomic<uintptr_t> g_overflow_exec{0};  // the overflow stubs, as run
char* g_overflow_write = nullptr;           // the same pages, as written
// Per stub its name: the dynamic linker's string, in the defining object's
// string table (rtld's _dl_audit_symbind), which lives as long as the stub's
// target does; a stub of an object dlclose()d is never shared again
// (la_objclose), so the auditor does not read it after.
const char** g_names = nullptr;
uint8_t* g_modes = nullptr;
uintptr_t* g_defined_end = nullptr;  // defined_in(id) is g_defined_end[-1 - id]
std::atomic<uint32_t>* g_first_hash = nullptr;
std::atomic<uint32_t>* g_hash = nullptr;  // generations 1 and on
std::atomic<uint32_t> g_generation_used[kHashGenerations];  // claims of each generation's half
std::atomic<uint32_t> g_generations{1};                   // generations that may hold a stub
std::atomic<uint32_t> g_count{0};
std::atomic<int32_t> g_own_loading{0};  // AuditLink::own_loading

bool g_enabled = false;
uint32_t g_policy = sigstorm::wire::kPolicyPosix;
uintptr_t g_shim = 0;  // the shim's cookie
// Cookies of the sanitizer runtimes loaded (gcc's: libasan.so.8 with
// libubsan.so.1, or libtsan.so.2), set by la_objopen before any binding.
constexpr int kMaxRuntimes = 4;
uintptr_t g_runtimes[kMaxRuntimes] = {};

bool binds_to_runtime(uintptr_t defcook) {
  for (uintptr_t c : g_runtimes)
    if (c && c == defcook) return true;
  return false;
}

namespace sys = sigstorm::sys;

size_t length(const char* s) { return __builtin_strlen(s); }
bool same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

void* map_anon(size_t n) {
  const long p = sys::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p < 0 && p > -4096 ? nullptr : (void*)p;
}

// The loader runs an auditor's constructors, before la_version, with the
// process's argc, argv and environment (rtld's dlmopen_doit): the variable
// comes without three system calls on /proc, and also where /proc is not
// mounted.
char** g_envp = nullptr;
__attribute__((constructor)) void take_environment(int, char**, char** envp) { g_envp = envp; }

// NAME's value in envp; null when it is not set, empty or too long for a path.
const char* env_value(char** envp, const char* name) {
  const size_t n = length(name);
  for (char** e = envp; *e; ++e) {
    const char* kv = *e;
    size_t i = 0;
    while (i < n && kv[i] == name[i]) ++i;
    if (i != n || kv[n] != '=') continue;
    const char* v = kv + n + 1;
    const size_t len = length(v);
    return len == 0 || len >= 4096 ? nullptr : v;  // too long for a path: as if unset
  }
  return nullptr;
}

// The unsafe-call check and the policy, from the run file's Config: the
// header's first 24 bytes (Config begins with checks and policy), not all
// 7.5 KB of Config copied to the loader's stack next to a copy of the path.
bool read_config() {
  namespace wire = sigstorm::wire;
  const char* path = g_envp ? env_value(g_envp, wire::kEnvRunFile) : nullptr;
  if (!path) return false;
  const long fd = sys::openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // a process that may not open it: the shim alone checks
  static_assert(offsetof(wire::Config, checks) == 0 && offsetof(wire::Config, policy) == 4);
  constexpr size_t kHead = offsetof(wire::Header, config) + offsetof(wire::Config, policy) + sizeof(uint32_t);
  alignas(8) unsigned char head[kHead];
  const bool ok = sys::call6(SYS_pread64, fd, (long)head, (long)sizeof head, 0) == (long)sizeof head;
  sys::close((int)fd);
  if (!ok) return false;
  uint32_t magic, version, size, checks, policy;
  __builtin_memcpy(&magic, head + offsetof(wire::Header, magic), 4);
  __builtin_memcpy(&version, head + offsetof(wire::Header, version), 4);
  __builtin_memcpy(&size, head + offsetof(wire::Header, header_size), 4);
  if (magic != wire::kMagic || version != wire::kVersion || size != sizeof(wire::Header)) return false;
  __builtin_memcpy(&checks, head + offsetof(wire::Header, config) + offsetof(wire::Config, checks), 4);
  __builtin_memcpy(&policy, head + offsetof(wire::Header, config) + offsetof(wire::Config, policy), 4);
  g_policy = policy;
  return (checks & wire::check_bit(wire::kUnsafeCall)) != 0;
}

// The overflow stub pages are one memfd mapped twice: written through one
// view, executed through the other (no page is ever writable and
// executable). Mapped by the first binding past the pool, which at start-up
// is the only thread. Later (lazy binding runs on any thread, also in a
// signal handler) a second thread that finds it being mapped does not wait:
// its binding goes unchecked, as one past kMaxStubs does.
bool map_overflow() {
  uint32_t state = g_overflow_state.load(std::memory_order_acquire);
  if (state == 2) return true;
  if (state != 0 || !g_overflow_state.compare_exchange_strong(state, 1, std::memory_order_acq_rel)) return false;
  long w = -1, x = -1;
  const long fd = sys::call6(SYS_memfd_create, (long)"sigstorm-stubs", MFD_CLOEXEC);
  if (fd >= 0 && sys::call6(SYS_ftruncate, fd, (long)kOverflowSize) == 0) {
    w = sys::mmap(nullptr, kOverflowSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, (int)fd, 0);
    x = sys::mmap(nullptr, kOverflowSize, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_NORESERVE, (int)fd, 0);
  }
  if (fd >= 0) sys::close((int)fd);
  const bool ok = !(w < 0 && w > -4096) && !(x < 0 && x > -4096);
  if (ok) {
    g_overflow_write = (char*)w;
    g_overflow_exec.store((uintptr_t)x, std::memory_order_release);
  }
  g_overflow_state.store(ok ? 2 : 3, std::memory_order_release);
  return ok;
}

// Of a binding: its target and its name's hash (name_classes.h's, made once
// per binding).
uint32_t hash_of(uintptr_t target, uint32_t name_hash) {
  const uint64_t h = (target ^ name_hash) * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h ^ (h >> 32));
}

// Per stub: the defining object's cookie (0: closed).
uintptr_t& defined_in(uint32_t id) { return g_defined_end[-1 - (ptrdiff_t)id]; }

uintptr_t stub_address(uint32_t id) {
  if (id < kPoolStubs) return (uintptr_t)&sigstorm_audit_pool + (size_t)id * kStubBytes;
  return g_overflow_exec.load(std::memory_order_relaxed) + (size_t)(id - kPoolStubs) * kOverflowBytes;
}

// An overflow stub, the pool's (stub_pool.cpp) with absolute addresses:
// movabs $running, %r11; cmpl $0, (%r11); jne 1f; movabs $&targets[id], %r11;
// jmp *(%r11); 1: mov $id, %r11d; movabs $&common, %r10; jmp *(%r10)
void write_overflow_stub(uint32_t id) {
  unsigned char* w = (unsigned char*)g_overflow_write + (size_t)(id - kPoolStubs) * kOverflowBytes;
  auto abs64 = [&](size_t at, const void* p) {
    const uint64_t v = (uint64_t)(uintptr_t)p;
    __builtin_memcpy(w + at, &v, 8);
  };
  w[0] = 0x49, w[1] = 0xbb;  // movabs $imm64, %r11
  abs64(2, &sigstorm_audit_running);
  w[10] = 0x41, w[11] = 0x83, w[12] = 0x3b, w[13] = 0x00;  // cmpl $0, (%r11)
  w[14] = 0x75, w[15] = 13;                                // jne +13
  w[16] = 0x49, w[17] = 0xbb;                              // movabs $imm64, %r11
  abs64(18, &sigstorm_audit_stub_targets[id]);
  w[26] = 0x41, w[27] = 0xff, w[28] = 0x23;  // jmp *(%r11)
  w[29] = 0x41, w[30] = 0xbb;                // mov $id, %r11d
  __builtin_memcpy(w + 31, &id, 4);
  w[35] = 0x49, w[36] = 0xba;  // movabs $imm64, %r10
  abs64(37, &sigstorm_audit_common_slot);
  w[45] = 0x41, w[46] = 0xff, w[47] = 0x22;                    // jmp *(%r10)
  for (size_t i = 48; i < kOverflowBytes; ++i) w[i] = 0xcc;  // never reached
}

std::atomic<uint32_t>* generation(uint32_t g) {
  return g == 0 ? g_first_hash : g_hash + kFirstGenerationSlots * ((1u << g) - 2);
}

// Stub `id` into the first generation with room; none left: it is simply
// not shared.
void remember(uint32_t id, uint32_t h) {
  for (uint32_t g = 0; g < kHashGenerations; ++g) {
    const uint32_t slots = kFirstGenerationSlots << g;
    if (g_generation_used[g].fetch_add(1, std::memory_order_relaxed) >= slots / 2) continue;
    uint32_t seen = g_generations.load(std::memory_order_relaxed);
    while (seen < g + 1 && !g_generations.compare_exchange_weak(seen, g + 1, std::memory_order_acq_rel)) {
    }
    std::atomic<uint32_t>* table = generation(g);
    for (uint32_t probe = 0; probe < slots; ++probe) {
      uint32_t expected = 0;
      if (table[(h + probe) & (slots - 1)].compare_exchange_strong(expected, id + 1, std::memory_order_acq_rel)) return;
    }
    return;
  }
}

// One stub per (function, name, defining object), shared by every object
// that binds it. Lock-free: two threads binding the same function at once
// may make two stubs, which is harmless.
uintptr_t stub_for(uintptr_t target, const char* name, uint32_t name_hash, uintptr_t object, uint8_t mode) {
  const uint32_t h = hash_of(target, name_hash);
  // Before the first stub there is nothing to find; not reading the hash
  // then keeps its page from being faulted in twice (read, then written).
  const uint32_t generations =
      g_count.load(std::memory_order_acquire) ? g_generations.load(std::memory_order_acquire) : 0;
  for (uint32_t g = 0; g < generations; ++g) {
    std::atomic<uint32_t>* table = generation(g);
    const uint32_t mask = (kFirstGenerationSlots << g) - 1;
    for (uint32_t probe = 0; probe <= mask; ++probe) {
      const uint32_t v = table[(h + probe) & mask].load(std::memory_order_acquire);
      if (v == 0) break;
      const uint32_t id = v - 1;
      if ((uintptr_t)sigstorm_audit_stub_targets[id] == target && defined_in(id) == object &&
          (g_names[id] == name || same(g_names[id], name)))
        return stub_address(id);
    }
  }
  const uint32_t id = g_count.load(std::memory_order_relaxed);
  if (id >= kMaxStubs) return target;  // full: this binding goes unchecked
  uint32_t mine = id;
  while (!g_count.compare_exchange_weak(mine, mine + 1, std::memory_order_acq_rel)) {
    if (mine >= kMaxStubs) return target;
  }
  // Past the pool: an id whose overflow could not be mapped stays unused.
  if (mine >= kPoolStubs && !map_overflow()) return target;
  sigstorm_audit_stub_targets[mine] = (void*)target;
  g_names[mine] = name;
  g_modes[mine] = mode;
  defined_in(mine) = object;
  if (mine >= kPoolStubs) write_overflow_stub(mine);
  std::atomic_thread_fence(std::memory_order_release);
  remember(mine, h);
  return stub_address(mine);
}

}  // namespace

extern "C" {
// Where stubs go until the shim attaches: straight to the function.
void sigstorm_audit_passthrough();
__asm__(R"(
  .text
  .p2align 4
  .hidden sigstorm_audit_passthrough
  .type sigstorm_audit_passthrough, @function
sigstorm_audit_passthrough:
  leaq sigstorm_audit_stub_targets(%rip), %r10
  jmp *(%r10,%r11,8)
  .size sigstorm_audit_passthrough, .-sigstorm_audit_passthrough
)");

// The binding the shim's sigstorm_audit_hook() call is redirected to.
__attribute__((visibility("hidden"))) void* sigstorm_audit_link() { return &g_link; }
}

SIGSTORM_AUDIT_EXPORT unsigned la_version(unsigned version) {
  if (version < 1) return 0;
  g_enabled = read_config();
  if (g_enabled) {
    char* book = (char*)map_anon(kBookkeepingSize);
    g_enabled = book != nullptr;
    if (book) {
      g_defined_end = (uintptr_t*)(book + kDefinedEnd);
      g_names = (const char**)(book + kNamesOffset);
      g_first_hash = (std::atomic<uint32_t>*)(book + kFirstHashOffset);
      g_modes = (uint8_t*)(book + kModesOffset);
      g_hash = (std::atomic<uint32_t>*)(book + kHashOffset);
    }
  }
  if (g_enabled) {
    sigstorm_audit_common_slot = (void*)&sigstorm_audit_passthrough;
    g_link.magic = sigstorm::wire::kAuditMagic;
    g_link.version = sigstorm::wire::kAuditVersion;
    g_link.common = &sigstorm_audit_common_slot;
    g_link.targets = sigstorm_audit_stub_targets;
    g_link.names = g_names;
    g_link.modes = g_modes;
    g_link.count = &g_count;
    g_link.running = &sigstorm_audit_running;
    g_link.first_stub = (uintptr_t)&sigstorm_audit_pool;
    g_link.stub_bytes = kStubBytes;
    g_link.pool_stubs = kPoolStubs;
    g_link.overflow_stub = &g_overflow_exec;
    g_link.overflow_bytes = kOverflowBytes;
    g_link.max_stubs = kMaxStubs;
    g_link.own_loading = &g_own_loading;
  }
  return LAV_CURRENT;
}

SIGSTORM_AUDIT_EXPORT unsigned la_objopen(struct link_map* map, Lmid_t lmid, uintptr_t* cookie) {
  *cookie = (uintptr_t)map;
  if (lmid != LM_ID_BASE) return 0;
  const char* path = map->l_name ? map->l_name : "";
  const char* file = path;  // after the last '/'
  for (const char* c = path; *c; ++c)
    if (*c == '/') file = c + 1;
  const bool in_dir = file != path;
  if (in_dir && same(file, "libsigstorm.so")) {
    g_shim = *cookie;
    return LA_FLG_BINDFROM | LA_FLG_BINDTO;  // for its own sigstorm_audit_hook() call only
  }
  // The dynamic linker's own exports (__tls_get_addr, _dl_find_object) and
  // the vDSO are not the program's calls.
  if ((in_dir && starts_with(file, "ld-linux")) || starts_with(file, "linux-vdso") || starts_with(file, "linux-gate"))
    return LA_FLG_BINDFROM;
  if (!g_enabled) return 0;
  // libunwind and liblzma as the shim's deferred step loads them, on this
  // thread (the loader's lock keeps any other dlopen out meanwhile): the
  // program cannot reach them (RTLD_LOCAL), the shim's own calls are never
  // the program's, and their 144 bindings through la_symbind64 cost that
  // step some 50 us. One the program had loaded is not new: it stays audited.
  const int32_t own = g_own_loading.load(std::memory_order_acquire);
  if (own != 0 && own == (int32_t)sys::call6(SYS_gettid)) return 0;
  // A sanitizer's shared runtime (gcc's libasan.so.8, libubsan.so.1): the
  // program's calls into its interceptors are checked as any call; its own
  // calls, and the pointers it gets from dlsym(RTLD_NEXT) for them, are not
  // the program's.
  if (in_dir && is_sanitizer_runtime(file)) {
    for (uintptr_t& c : g_runtimes)
      if (!c) {
        c = *cookie;
        break;
      }
    return LA_FLG_BINDTO;
  }
  return LA_FLG_BINDFROM | LA_FLG_BINDTO;
}

SIGSTORM_AUDIT_EXPORT unsigned la_objclose(uintptr_t* cookie) {
  // Stubs stay (a stale pointer to one runs as it would have without us);
  // they just are not shared with what a later dlopen maps at that address.
  const uint32_t n = g_count.load(std::memory_order_acquire);
  for (uint32_t i = 0; g_defined_end && i < n; ++i)
    if (defined_in(i) == *cookie) defined_in(i) = 0;
  return 0;
}

SIGSTORM_AUDIT_EXPORT uintptr_t la_symbind64(Elf64_Sym* sym, unsigned int, uintptr_t* refcook, uintptr_t* defcook,
                                             unsigned int*, const char* symname) {
  const uintptr_t target = sym->st_value;
  if (*refcook == g_shim) {
    if (same(symname, "sigstorm_audit_hook") && g_enabled) return (uintptr_t)&sigstorm_audit_link;
    return target;
  }
  if (!g_enabled || *defcook == g_shim || *refcook == *defcook || g_shim == 0) return target;
  // Only calls: glibc audits dlsym() results too, and a variable's address
  // (gcc's LeakSanitizer reads libc's _thread_db_sizeof_pthread so) must
  // stay the variable's.
  const unsigned type = ELF64_ST_TYPE(sym->st_info);
  if (type != STT_FUNC && type != STT_GNU_IFUNC) return target;
  namespace audit = sigstorm::audit;
  uint32_t h = audit::kHashSeed;
  size_t n = 0;
  for (; symname[n]; ++n) h = audit::hash_step(h, (unsigned char)symname[n]);
  const uint8_t classes = audit::classes_of(symname, n, h);
  if (audit::safe_classes(classes, (sigstorm::wire::Policy)g_policy) || (classes & audit::kNeverStubbed) ||
      sanitizer_interface(symname))
    return target;
  // The runtime's interceptor of a function the shim interposes: the shim
  // checks it there (preload/sanitizer.h), and no frame of ours stays below
  // it, where the sanitizer's own report (TSan's signal-unsafe malloc) would
  // show it.
  if ((classes & audit::kInterposedByShim) && binds_to_runtime(*defcook)) return target;
  return stub_for(target, symname, h, *defcook,
                  (classes & audit::kTailOnly) ? sigstorm::wire::kAuditTail : sigstorm::wire::kAuditCall);
}
