// libsigstorm-audit.so: the LD_AUDIT half of the unsafe-call check
// (rtld-audit(7)). The dynamic linker asks it about every symbol binding of
// every object of the program's namespace, at start-up (also BIND_NOW, since
// glibc 2.35), on lazy binding and in dlopen()ed objects. A function the
// policy allows, or one the shim interposes (which checks itself), is bound
// as it was: no cost. Any other gets a stub (write_stub), and the shim
// (preload/audit_link.cpp) does the rest.
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
#include <string_view>

#include "inject/wire/audit_link.h"
#include "inject/wire/record_format.h"
#include "inject/wire/safe_list.h"
#include "preload/sys.h"

#define SIGSTORM_AUDIT_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using sigstorm::wire::AuditLink;

constexpr uint32_t kMaxStubs = 1u << 18;
constexpr size_t kStubBytes = 32;
// The memfd: page 0 holds the `common` slot (offset 0) and the count of
// threads running a handler (offset 64); then the stubs; then each stub's
// target, which the stub jumps through itself (one indirect branch per
// function, so the CPU predicts each on its own).
constexpr size_t kRunningOffset = 64;
constexpr size_t kCodeOffset = 4096;
constexpr size_t kTargetsOffset = kCodeOffset + kMaxStubs * kStubBytes;
constexpr size_t kCodeSize = kTargetsOffset + kMaxStubs * sizeof(void*);
// The stubs' hash: generations of 1024, 2048, ... 65536 slots, each filled
// to half before the next is used, so that a process with a few hundred
// stubs touches one page of it. (One table sized for the largest program and
// probed at random faults a page in at nearly every stub.)
constexpr uint32_t kHashGenerations = 7;
constexpr uint32_t kFirstGenerationSlots = 1024;
constexpr uint32_t kHashSlots = kFirstGenerationSlots * ((1u << kHashGenerations) - 1);
constexpr size_t kNameArena = 16u << 20;
// The bookkeeping, in one mapping (one area to set up, copy at every fork
// and tear down, not five): per stub its name, mode and defining object;
// the hash; the names.
constexpr size_t kNamesOffset = 0;
constexpr size_t kModesOffset = kNamesOffset + kMaxStubs * sizeof(char*);
constexpr size_t kDefinedOffset = kModesOffset + kMaxStubs;
constexpr size_t kHashOffset = kDefinedOffset + kMaxStubs * sizeof(uintptr_t);
constexpr size_t kArenaOffset = kHashOffset + kHashSlots * sizeof(uint32_t);
constexpr size_t kBookkeepingSize = kArenaOffset + kNameArena;

// Functions that must see their real caller or stack, never a frame of ours:
// checked, then jumped to (AuditMode kAuditTail). Their reasons: dlopen,
// dlsym and friends resolve relative to the caller's object (RTLD_NEXT,
// $ORIGIN); the unwinders and backtrace() walk the stack they are called on.
constexpr std::string_view kTailOnly[] = {
    "_Unwind_Backtrace", "_Unwind_ForcedUnwind", "_Unwind_RaiseException", "_Unwind_Resume",
    "__cxa_rethrow", "__cxa_throw", "backtrace", "dladdr", "dladdr1", "dlinfo", "dlmopen",
    "dlopen", "dlsym", "dlvsym", "pthread_exit",
};

// Never stubbed: they return twice (a saved context would outlive a stub's
// frame), or come back through the stub before the program exists.
constexpr std::string_view kNeverStubbed[] = {
    "__libc_start_main", "__sigsetjmp", "_setjmp", "getcontext", "savectx", "setjmp",
    "sigsetjmp", "vfork",
};

// The calls a sanitizer's instrumentation makes into its runtime
// (__asan_handle_no_return before a longjmp, __tsan_read4 on every load,
// __ubsan_handle_* on undefined behaviour) and its interface: the compiler's,
// not the handler's author's.
constexpr std::string_view kSanitizerPrefixes[] = {
    "__asan_", "__tsan_", "__msan_", "__ubsan_", "__lsan_", "__hwasan_", "__sanitizer_", "__sancov_",
};

bool sanitizer_interface(std::string_view name) {
  for (std::string_view p : kSanitizerPrefixes)
    if (name.substr(0, p.size()) == p) return true;
  return false;
}

// The functions the shim interposes (inject/wire/functions.def).
constexpr std::string_view kInterposed[] = {
#define SIGSTORM_FN(name, ...) #name,
#include "inject/wire/functions.def"
};

bool is_sanitizer_runtime(const char* path) {
  for (const char* lib : {"/libasan.so", "/libtsan.so", "/libubsan.so", "/liblsan.so", "/libhwasan.so"})
    if (std::string_view(path).find(lib) != std::string_view::npos) return true;
  return false;
}

template <size_t N>
bool among(const std::string_view (&list)[N], std::string_view name) {
  for (std::string_view n : list)
    if (n == name) return true;
  return false;
}

AuditLink g_link;
char* g_exec = nullptr;   // the stubs, as run
char* g_write = nullptr;  // the same pages, as written
void** g_targets = nullptr;
const char** g_names = nullptr;
uint8_t* g_modes = nullptr;
uintptr_t* g_defined_in = nullptr;  // per stub: the defining object's cookie (0: closed)
std::atomic<uint32_t>* g_hash = nullptr;
char* g_arena = nullptr;
std::atomic<size_t> g_arena_used{0};
std::atomic<uint32_t> g_generation_used[kHashGenerations];  // claims of each generation's half
std::atomic<uint32_t> g_generations{1};                   // generations that may hold a stub
std::atomic<uint32_t> g_count{0};

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
bool contains(const char* s, const char* part) { return std::string_view(s).find(part) != std::string_view::npos; }

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

// NAME's value in envp into out; false when it is not set or longer than cap.
bool env_value(char** envp, const char* name, char* out, size_t cap) {
  const size_t n = length(name);
  for (char** e = envp; *e; ++e) {
    const char* kv = *e;
    size_t i = 0;
    while (i < n && kv[i] == name[i]) ++i;
    if (i != n || kv[n] != '=') continue;
    const char* v = kv + n + 1;
    const size_t len = length(v);
    if (len == 0 || len + 1 > cap) return false;  // too long for a path: as if unset
    __builtin_memcpy(out, v, len + 1);
    return true;
  }
  return false;
}

// The unsafe-call check and the policy, from the run file's Config.
bool read_config() {
  char path[4096];
  if (!g_envp || !env_value(g_envp, sigstorm::wire::kEnvRunFile, path, sizeof path)) return false;
  const long fd = sys::openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // a process that may not open it: the shim alone checks
  constexpr size_t kHead = offsetof(sigstorm::wire::Header, config) + sizeof(sigstorm::wire::Config);
  alignas(8) unsigned char head[kHead];
  const bool ok = sys::call6(SYS_pread64, fd, (long)head, (long)sizeof head, 0) == (long)sizeof head;
  sys::close((int)fd);
  if (!ok) return false;
  uint32_t magic, version, size;
  __builtin_memcpy(&magic, head + offsetof(sigstorm::wire::Header, magic), 4);
  __builtin_memcpy(&version, head + offsetof(sigstorm::wire::Header, version), 4);
  __builtin_memcpy(&size, head + offsetof(sigstorm::wire::Header, header_size), 4);
  if (magic != sigstorm::wire::kMagic || version != sigstorm::wire::kVersion ||
      size != sizeof(sigstorm::wire::Header))
    return false;
  sigstorm::wire::Config cfg;
  __builtin_memcpy(&cfg, head + offsetof(sigstorm::wire::Header, config), sizeof cfg);
  g_policy = cfg.policy;
  return (cfg.checks & sigstorm::wire::check_bit(sigstorm::wire::kUnsafeCall)) != 0;
}

// The stub pages are one memfd mapped twice: written through one view,
// executed through the other (no page is ever writable and executable).
bool map_stubs() {
  const long fd = sys::call6(SYS_memfd_create, (long)"sigstorm-stubs", MFD_CLOEXEC);
  if (fd < 0) return false;
  if (sys::call6(SYS_ftruncate, fd, (long)kCodeSize) != 0) {
    sys::close((int)fd);
    return false;
  }
  const long w = sys::mmap(nullptr, kCodeSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, (int)fd, 0);
  const long x = sys::mmap(nullptr, kCodeSize, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_NORESERVE, (int)fd, 0);
  sys::close((int)fd);
  if ((w < 0 && w > -4096) || (x < 0 && x > -4096)) return false;
  g_write = (char*)w;
  g_exec = (char*)x;
  return true;
}

uint32_t hash_of(uintptr_t target, const char* name) {
  uint64_t h = target * 0x9e3779b97f4a7c15ull;
  for (const char* c = name; *c; ++c) h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
  return (uint32_t)(h ^ (h >> 29));
}

const char* keep_name(const char* name) {
  const size_t n = length(name) + 1;
  const size_t at = g_arena_used.fetch_add(n, std::memory_order_relaxed);
  if (at + n > kNameArena) return nullptr;
  __builtin_memcpy(g_arena + at, name, n);
  return g_arena + at;
}

// cmpl $0, running(%rip); jne 1f; jmp *target(%rip)
// 1: mov $id, %r11d; jmp *common(%rip)
void write_stub(uint32_t id) {
  unsigned char* w = (unsigned char*)g_write + kCodeOffset + (size_t)id * kStubBytes;
  const intptr_t at = (intptr_t)g_exec + kCodeOffset + (intptr_t)id * kStubBytes;
  auto rel = [&](size_t end, intptr_t to) { return (int32_t)(to - (at + (intptr_t)end)); };
  int32_t r;
  w[0] = 0x83, w[1] = 0x3d;  // cmpl $0, rel32(%rip)
  r = rel(7, (intptr_t)g_exec + kRunningOffset);
  __builtin_memcpy(w + 2, &r, 4);
  w[6] = 0x00;
  w[7] = 0x75, w[8] = 0x06;  // jne +6
  w[9] = 0xff, w[10] = 0x25;  // jmp *rel32(%rip): this stub's target
  r = rel(15, (intptr_t)g_exec + kTargetsOffset + (intptr_t)id * 8);
  __builtin_memcpy(w + 11, &r, 4);
  w[15] = 0x41, w[16] = 0xbb;  // mov $id, %r11d
  __builtin_memcpy(w + 17, &id, 4);
  w[21] = 0xff, w[22] = 0x25;  // jmp *rel32(%rip): page 0's common slot
  r = rel(27, (intptr_t)g_exec);
  __builtin_memcpy(w + 23, &r, 4);
  for (size_t i = 27; i < kStubBytes; ++i) w[i] = 0xcc;  // never reached
}

std::atomic<uint32_t>* generation(uint32_t g) { return g_hash + kFirstGenerationSlots * ((1u << g) - 1); }

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
uintptr_t stub_for(uintptr_t target, const char* name, uintptr_t defined_in, uint8_t mode) {
  const uint32_t h = hash_of(target, name);
  const uint32_t generations = g_generations.load(std::memory_order_acquire);
  for (uint32_t g = 0; g < generations; ++g) {
    std::atomic<uint32_t>* table = generation(g);
    const uint32_t mask = (kFirstGenerationSlots << g) - 1;
    for (uint32_t probe = 0; probe <= mask; ++probe) {
      const uint32_t v = table[(h + probe) & mask].load(std::memory_order_acquire);
      if (v == 0) break;
      const uint32_t id = v - 1;
      if ((uintptr_t)g_targets[id] == target && g_defined_in[id] == defined_in && same(g_names[id], name))
        return (uintptr_t)g_exec + kCodeOffset + (size_t)id * kStubBytes;
    }
  }
  const uint32_t id = g_count.load(std::memory_order_relaxed);
  if (id >= kMaxStubs) return target;  // full: this binding goes unchecked
  const char* kept = keep_name(name);
  if (!kept) return target;
  uint32_t mine = id;
  while (!g_count.compare_exchange_weak(mine, mine + 1, std::memory_order_acq_rel)) {
    if (mine >= kMaxStubs) return target;
  }
  g_targets[mine] = (void*)target;
  g_names[mine] = kept;
  g_modes[mine] = mode;
  g_defined_in[mine] = defined_in;
  write_stub(mine);
  std::atomic_thread_fence(std::memory_order_release);
  remember(mine, h);
  return (uintptr_t)g_exec + kCodeOffset + (size_t)mine * kStubBytes;
}

bool ends_with(const char* s, const char* suffix) {
  const size_t a = length(s), b = length(suffix);
  return a >= b && same(s + a - b, suffix);
}

}  // namespace

extern "C" {
// Where stubs go until the shim attaches: straight to the function.
__attribute__((visibility("hidden"))) void** sigstorm_audit_passthrough_targets = nullptr;
void sigstorm_audit_passthrough();
__asm__(R"(
  .text
  .p2align 4
  .hidden sigstorm_audit_passthrough
  .type sigstorm_audit_passthrough, @function
sigstorm_audit_passthrough:
  movq sigstorm_audit_passthrough_targets(%rip), %r10
  jmp *(%r10,%r11,8)
  .size sigstorm_audit_passthrough, .-sigstorm_audit_passthrough
)");

// The binding the shim's sigstorm_audit_hook() call is redirected to.
__attribute__((visibility("hidden"))) void* sigstorm_audit_link() { return &g_link; }
}

SIGSTORM_AUDIT_EXPORT unsigned la_version(unsigned version) {
  if (version < 1) return 0;
  g_enabled = read_config() && map_stubs();
  if (g_enabled) {
    g_targets = (void**)(g_write + kTargetsOffset);
    char* book = (char*)map_anon(kBookkeepingSize);
    g_enabled = book != nullptr;
    if (book) {
      g_names = (const char**)(book + kNamesOffset);
      g_modes = (uint8_t*)(book + kModesOffset);
      g_defined_in = (uintptr_t*)(book + kDefinedOffset);
      g_hash = (std::atomic<uint32_t>*)(book + kHashOffset);
      g_arena = book + kArenaOffset;
    }
  }
  if (g_enabled) {
    sigstorm_audit_passthrough_targets = g_targets;
    void* pass = (void*)&sigstorm_audit_passthrough;
    __builtin_memcpy(g_write, &pass, sizeof pass);
    g_link.magic = sigstorm::wire::kAuditMagic;
    g_link.version = sigstorm::wire::kAuditVersion;
    g_link.common = (void**)g_write;
    g_link.targets = g_targets;
    g_link.names = g_names;
    g_link.modes = g_modes;
    g_link.count = &g_count;
    g_link.running = (std::atomic<uint32_t>*)(g_write + kRunningOffset);
    g_link.first_stub = (uintptr_t)g_exec + kCodeOffset;
    g_link.stub_bytes = kStubBytes;
    g_link.max_stubs = kMaxStubs;
  }
  return LAV_CURRENT;
}

SIGSTORM_AUDIT_EXPORT unsigned la_objopen(struct link_map* map, Lmid_t lmid, uintptr_t* cookie) {
  *cookie = (uintptr_t)map;
  if (lmid != LM_ID_BASE) return 0;
  const char* name = map->l_name ? map->l_name : "";
  if (ends_with(name, "/libsigstorm.so")) {
    g_shim = *cookie;
    return LA_FLG_BINDFROM | LA_FLG_BINDTO;  // for its own sigstorm_audit_hook() call only
  }
  // The dynamic linker's own exports (__tls_get_addr, _dl_find_object) and
  // the vDSO are not the program's calls.
  if (contains(name, "/ld-linux") || contains(name, "linux-vdso") || contains(name, "linux-gate")) return LA_FLG_BINDFROM;
  if (!g_enabled) return 0;
  // A sanitizer's shared runtime (gcc's libasan.so.8, libubsan.so.1): the
  // program's calls into its interceptors are checked as any call; its own
  // calls, and the pointers it gets from dlsym(RTLD_NEXT) for them, are not
  // the program's.
  if (is_sanitizer_runtime(name)) {
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
  for (uint32_t i = 0; g_defined_in && i < n; ++i)
    if (g_defined_in[i] == *cookie) g_defined_in[i] = 0;
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
  const std::string_view name(symname);
  if (sigstorm::wire::safe_under(name, (sigstorm::wire::Policy)g_policy) || among(kNeverStubbed, name) ||
      sanitizer_interface(name))
    return target;
  // The runtime's interceptor of a function the shim interposes: the shim
  // checks it there (preload/sanitizer.h), and no frame of ours stays below
  // it, where the sanitizer's own report (TSan's signal-unsafe malloc) would
  // show it.
  if (binds_to_runtime(*defcook) && among(kInterposed, name)) return target;
  return stub_for(target, symname, *defcook, among(kTailOnly, name) ? sigstorm::wire::kAuditTail : sigstorm::wire::kAuditCall);
}
