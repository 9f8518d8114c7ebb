// Start-up, in two steps (preload/startup.h). Eager, in the constructor of
// every process: map the run file, register the process, arm the call:
// points. Deferred, once, in normal context before the program's first
// handler can run: resolve every real function, load libunwind, the hang
// probe, the timer thread of specs that wait for a handler. A process that
// never installs a handler (most of a shell script's or a build's) pays for
// the first step only.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "preload/bare.h"
#include "preload/cold_bss.h"
#include "preload/env.h"
#include "preload/fork_server.h"
#include "preload/handlers.h"
#include "preload/inject.h"
#include "preload/recorder.h"
#include "preload/sanitizer.h"
#include "preload/stack.h"
#include "preload/startup.h"
#include "preload/state.h"
#include "preload/sys.h"
#include "preload/table.h"

namespace sigstorm {

// constinit: no initializer may run after the constructor (priority 101) filled it.
constinit SavedEnv g_env SIGSTORM_HOT;
ChainEnv g_chain_env SIGSTORM_COLD_BSS;
char** g_initial_env SIGSTORM_HOT = nullptr;
int g_owner_pid SIGSTORM_HOT = 0;

SIGSTORM_HOT_TEXT bool in_borrowed_memory() { return g_owner_pid != 0 && sys::getpid() != g_owner_pid; }

Ctor g_ctor SIGSTORM_HOT = Ctor::kNotYet;

bool loader_starting() { return _r_debug.r_state != r_debug::RT_CONSISTENT; }

namespace {

SIGSTORM_HOT_TEXT void copy(char* dst, size_t cap, const char* a, const char* b = "") {
  size_t i = 0;
  for (; *a && i + 1 < cap; ++a) dst[i++] = *a;
  for (; *b && i + 1 < cap; ++b) dst[i++] = *b;
  dst[i] = 0;
}

void warn(const char* what) {
  static const char prefix[] = "sigstorm: warning: ";
  sys::write(2, prefix, sizeof prefix - 1);
  sys::write(2, what, __builtin_strlen(what));
  sys::write(2, "\n", 1);
}

// The run file from the CLI, for a process whose user may not open it
// (wire::run_socket_name). -errno on failure.
long run_file_from_cli(const char* path) {
  long s = sys::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s < 0) return s;
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  const uint32_t len = wire::run_socket_name(path, addr.sun_path);
  const struct timeval limit = {2, 0};
  sys::setsockopt((int)s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  long r = sys::connect((int)s, &addr, (unsigned)(offsetof(struct sockaddr_un, sun_path) + len));
  long fd = r;
  if (r == 0) {
    char byte;
    long n;
    fd = sys::recv_fd((int)s, &byte, 1, &n);  // none: the CLI refused, not a process of the run
  }
  sys::close((int)s);
  return fd;
}

SIGSTORM_HOT_TEXT void map_run_file() {
  const char* path = env_value(wire::kEnvRunFile);
  long fd;
  if (!path || !*path) {
    fd = bare_start();  // no CLI: a sanitizer's way (preload/bare.h)
    if (fd < 0) return;
  } else {
    copy(g_env.run_file, sizeof g_env.run_file, "SIGSTORM_RUN_FILE=", path);
    fd = sys::openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd == -EACCES || fd == -EPERM) fd = run_file_from_cli(path);
  }
  if (fd < 0) {
    warn("cannot open the run file; findings of this process are lost");
    return;
  }
  long addr = sys::mmap(nullptr, wire::kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  sys::close((int)fd);  // the mapping needs no descriptor: closing all fds is harmless
  if (addr < 0 && addr > -4096) {
    warn("cannot map the run file; findings of this process are lost");
    return;
  }
  // No readahead (the file is sparse: a fault would bring in a window of
  // zero pages around the one touched; inject/run/run_file.cpp says more).
  sys::call6(SYS_madvise, addr, (long)wire::kFileSize, MADV_RANDOM);
  auto* run = (wire::Header*)addr;
  if (run->magic != wire::kMagic || run->version != wire::kVersion || run->header_size != sizeof(wire::Header)) {
    warn("the run file is from another sigstorm version; findings of this process are lost");
    sys::munmap(run, wire::kFileSize);
    return;
  }
  g_run = run;
  g_checks = run->config.checks;
  g_policy = run->config.policy;
}

// --no-follow-children: the environment the program passes on is the one
// it would have bare (LD_PRELOAD without the shim, no SIGSTORM_RUN_FILE),
// and the exec wrappers put nothing back.
void stop_following() {
  static char preload[4096] SIGSTORM_COLD_BSS;
  size_t out = 0;
  for (char** e = environ; e && *e; ++e) {
    char* kv = *e;
    if (__builtin_strncmp(kv, "SIGSTORM_RUN_FILE=", 18) == 0) continue;
    if (__builtin_strncmp(kv, "LD_AUDIT=", 9) == 0) {
      // The CLI put libsigstorm-audit.so first: keep what the program chained after it.
      static char audit[4096] SIGSTORM_COLD_BSS;
      const char* rest = kv + 9;
      while (*rest && *rest != ':') ++rest;
      if (!*rest || !rest[1]) continue;
      copy(audit, sizeof audit, "LD_AUDIT=", rest + 1);
      kv = audit;
    }
    if (__builtin_strncmp(kv, "LD_PRELOAD=", 11) == 0) {
      // Keep the other preloaded libraries, in order.
      size_t n = 0;
      copy(preload, sizeof preload, "LD_PRELOAD=");
      n = 11;
      for (const char* p = kv + 11; *p;) {
        const char* end = p;
        while (*end && *end != ':' && *end != ' ') ++end;
        const size_t len = (size_t)(end - p);
        const bool ours = len == __builtin_strlen(g_env.shim_path) && __builtin_strncmp(p, g_env.shim_path, len) == 0;
        if (!ours && len && n + len + 2 < sizeof preload) {
          if (n > 11) preload[n++] = ':';
          __builtin_memcpy(preload + n, p, len);
          n += len;
        }
        p = *end ? end + 1 : end;
      }
      preload[n] = 0;
      if (n == 11) continue;
      kv = preload;
    }
    environ[out++] = kv;
  }
  if (environ) environ[out] = nullptr;
  g_env.shim_path = "";
  g_env.run_file[0] = 0;
}

// exec keeps the pid and the main thread's tid: a handler that called execve
// left its watchdog slot behind. Only an image whose exec said the main
// thread held a slot reads the table (24 KB: a page fault per page).
SIGSTORM_HOT_TEXT void release_stale_slots() {
  if (!g_run || !g_process || !g_exec_left_slot) return;
  const int pid = sys::getpid();
  for (wire::Active& a : g_run->active) {
    if (a.tid.load(std::memory_order_relaxed) == pid && a.pid == pid) {
      a.since_ns.store(0, std::memory_order_relaxed);
      a.tid.store(0, std::memory_order_release);
    }
  }
}

// This library's path, as the loader mapped it: the object whose segments
// hold `data` (the constructor). dladdr would say the same after a walk of
// the whole symbol table for the nearest symbol, which nobody reads here.
SIGSTORM_HOT_TEXT int find_shim_path(struct dl_phdr_info* info, size_t, void* data) {
  const uintptr_t at = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type != PT_LOAD || at < lo || at - lo >= ph.p_memsz) continue;
    if (info->dlpi_name) g_env.shim_path = info->dlpi_name;
    return 1;
  }
  return 0;
}

std::atomic<int> g_checking SIGSTORM_HOT{0};  // 0 not yet, 1 in progress, 2 started
__thread bool t_starting __attribute__((tls_model("initial-exec")));
// When the deferred step must wait for the constructor's end. Sanitizers
// start on their first interceptor call and install their handlers then,
// from where loading libunwind fails: clang's MSan starts at the
// constructor's dl_iterate_phdr, and libunwind's pipe2 runs MSan's interceptor during
// MSan's own init, which aborts; under LD_AUDIT the dynamic linker itself
// calls the program's calloc while it relocates ld.so (rtld-audit's
// la_symbind needs the table it allocates), so ASan starts inside the
// loader, where a dlopen crashes. The process is single-threaded there:
// no signal can find a handler run before the constructor does the step.
bool g_start_pending SIGSTORM_HOT = false;
bool start_must_wait() {
  if (g_ctor == Ctor::kRunning) return true;
  // Before the constructor: only while the loader maps the initial objects
  // (a library constructor's handler, as on any program, starts it at once).
  return g_ctor == Ctor::kNotYet && loader_starting();
}

SIGSTORM_HOT_TEXT void after_fork_child() {
  g_owner_pid = sys::getpid();
  // The parent thread's slot. Written only when set: a write copies the
  // page of TLS (a fault in every fork child).
  if (t_state.published) t_state.published = nullptr;
  // A thread of the parent in the middle of the deferred step did not come
  // along: the child does it again, should it need it.
  int busy = 1;
  g_checking.compare_exchange_strong(busy, 0);
  recorder_after_fork();
  publish_caught();
  inject_after_fork();
}

// The eager step: what every process of the run needs, handler or not.
// glibc passes constructors argc, argv and envp.
__attribute__((constructor(101))) void sigstorm_init(int, char**, char** envp) {
  g_initial_env = envp;
  g_ctor = Ctor::kRunning;
  // Under clang's ASan runtime libc's environ can still be unset here and,
  // with the shim's start-up deferred, stayed unset for the program too
  // (getenv found nothing): what the loader passed is what it would hold.
  if (!environ) environ = envp;
  fork_server_early();
  g_owner_pid = sys::getpid();
  real::resolve_eager();
  dl_iterate_phdr(find_shim_path, (void*)&sigstorm_init);
  map_run_file();
  // Under a sanitizer the deferred step runs now: loading libunwind from the
  // sigaction wrapper, below the sanitizer's sigaction interceptor, crashed.
  // The shim's own work (a failed dlsym allocates its message): neither
  // checked nor a call: point, as in the deferred step.
  t_state.in_shim++;
  const bool sanitized = sanitizer_init();
  t_state.in_shim--;
  if (g_run && (g_run->config.flags & wire::kNoFollowChildren)) stop_following();
  process_start();
  release_stale_slots();
  on_fork_child(after_fork_child);
  audit_attach();  // before the deferred step, which makes the stubs' common path ready
  g_ctor = Ctor::kDone;
  if (g_start_pending || (sanitized && g_run)) start_checking();
  default_action_init();  // SIGPIPE's catcher: inherited by a fork server's copies
  // `sigstorm fuzz`: the runs' copies return from here. The server does the
  // deferred step's loading first (no thread: a thread would stop the fork
  // server), so that no copy pays for libunwind in every run.
  if (fork_server_pending()) {
    real::resolve_all();
    stack_init();
    audit_prepare();
    fork_server();  // not in the hot text: most processes are no fork server
  }
  inject_init();
}

}  // namespace

bool checking_started() { return g_checking.load(std::memory_order_acquire) == 2; }

extern "C" int __register_atfork(void (*)(void), void (*)(void), void (*)(void), void*);
extern "C" void* __dso_handle __attribute__((weak, visibility("hidden")));

SIGSTORM_HOT_TEXT int on_fork_child(void (*child)(void)) {
  // What the stub does: the handler belongs to this object (dlclose would drop it).
  return __register_atfork(nullptr, nullptr, child, &__dso_handle == nullptr ? nullptr : __dso_handle);
}

// The deferred step. The caller is a sigaction/signal wrapper about to give
// the kernel a handler (or the fuzz harness attaching): normal context, so
// dlsym and dlopen are safe here as they never are in a handler.
void start_checking() {
  if (__builtin_expect(checking_started(), 1) || t_starting) return;
  if (start_must_wait()) {
    g_start_pending = true;
    return;
  }
  int expected = 0;
  if (!g_checking.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    while (g_checking.load(std::memory_order_acquire) == 1) sys::cpu_relax();
    return;
  }
  t_starting = true;
  // The shim's own work: the interposed calls dlopen makes are neither
  // checked nor call: points (an injection now would find no handler yet).
  t_state.in_shim++;
  real::resolve_all();
  stack_init();
  audit_prepare();
  install_probe();
  g_checking.store(2, std::memory_order_release);
  inject_checking_started();
  t_state.in_shim--;
  t_starting = false;
}

}  // namespace sigstorm
