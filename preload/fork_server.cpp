// The fork server (inject/wire/fork_server.h): AFL's technique for
// `sigstorm fuzz`, so that a run costs a fork instead of an exec and the
// dynamic loading of the program.
//
// Where it stops: at the end of the shim's constructor. The shim sees
// nothing before that point (no call is counted, no handler wrapped, no
// clock started), so no schedule can reach anything before it, and
// everything after it (the program's own constructors, main, every
// interposed call) runs in the copy exactly as in a fresh exec. What ran
// before it is the loader, the C library's start-up and the constructors of
// libraries initialized ahead of the shim; a fork copies their effects
// faithfully unless they left behind what fork does not copy or what the
// copies would share. Those cases are checked here and make the CLI fall
// back to one exec per run:
//  - threads (fork copies only the calling one);
//  - descriptors the process opened itself (an input file read before the
//    fork point: the copies would share its offset);
//  - armed interval timers and POSIX timers (fork drops them);
//  - shared writable mappings other than the run file (the copies would
//    write into each other's memory).
// The copy is made with _Fork, which runs no atfork handler: the program's
// handlers would never have run in an exec'd run.
#include "preload/fork_server.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>

#include "inject/wire/fork_server.h"
#include "preload/cold_bss.h"
#include "preload/env.h"
#include "preload/handlers.h"
#include "preload/recorder.h"
#include "preload/state.h"
#include "preload/sys.h"

extern char** environ;

namespace sigstorm {
namespace {

using wire::kForkServerReasonMax;

struct Reason {
  char text[kForkServerReasonMax];
  uint32_t n = 0;
  Reason& add(const char* s) {
    while (*s && n < sizeof text) text[n++] = *s++;
    return *this;
  }
  Reason& add(long v) {
    char digits[24];
    int k = 0;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    do digits[k++] = (char)('0' + u % 10);
    while ((u /= 10) && k < 20);
    if (v < 0) add("-");
    while (k > 0 && n < sizeof text) text[n++] = digits[--k];
    return *this;
  }
};

bool g_serve SIGSTORM_HOT = false;
int g_ctl = -1, g_status = -1;
int g_passed[wire::kForkServerInheritedMax];  // descriptors the CLI passes to every run
int g_npassed = 0;
// Descriptors open as the shim's constructor began (what the loader and the
// constructors before it left). What the shim opens itself later (libunwind
// keeps a pipe) is the same in an exec'd run.
constexpr int kEarlyFds = 1024;
uint8_t g_early[kEarlyFds / 8];
bool g_early_overflow = false;

// Takes NAME=VALUE out of environ (the program sees the environment of an
// exec'd run); VALUE, or null.
const char* take_env(const char* name) {
  const size_t len = __builtin_strlen(name);
  const char* value = nullptr;
  size_t out = 0;
  char** env = env_list();
  for (char** e = env; e && *e; ++e) {
    if (!value && __builtin_strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
      value = *e + len + 1;
      continue;
    }
    env[out++] = *e;
  }
  if (env) env[out] = nullptr;
  return value;
}

// "CTL,STATUS[,FD...]".
bool parse(const char* s) {
  int values[2 + wire::kForkServerInheritedMax];
  int n = 0;
  while (*s && n < (int)(sizeof values / sizeof *values)) {
    int v = 0;
    if (*s < '0' || *s > '9') return false;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (*s - '0');
    values[n++] = v;
    if (*s == ',') ++s;
    else if (*s) return false;
  }
  if (n < 2) return false;
  g_ctl = values[0];
  g_status = values[1];
  for (int i = 2; i < n; ++i) g_passed[g_npassed++] = values[i];
  return true;
}

bool write_full(int fd, const void* p, size_t n) {
  const char* c = (const char*)p;
  while (n) {
    const long w = sys::write(fd, c, n);
    if (w == -EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= (size_t)w;
  }
  return true;
}

bool read_full(int fd, void* p, size_t n) {
  char* c = (char*)p;
  while (n) {
    const long r = sys::read(fd, c, n);
    if (r == -EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= (size_t)r;
  }
  return true;
}

struct Dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

// Calls f(name) for each entry of DIR but . and ..; f returns false to stop.
template <class F>
void each_entry(const char* dir, F f) {
  const long fd = sys::openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[2048];
  for (;;) {
    const long n = sys::call6(SYS_getdents64, fd, (long)buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      const Dirent64* d = (const Dirent64*)(buf + off);
      off += d->reclen;
      if (d->name[0] == '.') continue;
      if (!f(d->name, (int)fd)) {
        sys::close((int)fd);
        return;
      }
    }
  }
  sys::close((int)fd);
}

int number(const char* s) {
  int v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (*s - '0');
  return *s ? -1 : v;
}

bool ours(int fd) {
  if (fd <= 2 || fd == g_ctl || fd == g_status) return true;
  for (int i = 0; i < g_npassed; ++i)
    if (g_passed[i] == fd) return true;
  return false;
}

void check_threads(Reason& why) {
  long threads = 0;
  each_entry("/proc/self/task", [&](const char*, int) {
    ++threads;
    return true;
  });
  if (threads > 1) why.add(threads).add(" threads run at the fork point (fork copies only the calling one)");
}

void note_early_descriptors() {
  each_entry("/proc/self/fd", [&](const char* name, int dirfd) {
    const int fd = number(name);
    if (fd < 0 || fd == dirfd) return true;
    if (fd >= kEarlyFds) g_early_overflow = true;
    else g_early[fd / 8] |= (uint8_t)(1u << (fd % 8));
    return true;
  });
}

bool early(int fd) { return fd >= kEarlyFds ? g_early_overflow : (g_early[fd / 8] >> (fd % 8) & 1) != 0; }

void check_descriptors(Reason& why) {
  each_entry("/proc/self/fd", [&](const char* name, int dirfd) {
    const int fd = number(name);
    if (fd < 0 || fd == dirfd || ours(fd) || !early(fd)) return true;
    Reason p;
    p.add("/proc/self/fd/").add((long)fd);
    p.text[p.n < sizeof p.text ? p.n : sizeof p.text - 1] = 0;
    char target[96];
    const long n = sys::readlink(p.text, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    why.add("descriptor ").add((long)fd).add(" (").add(target).add(
        ") was opened before the fork point (the copies would share its offset)");
    return false;
  });
}

void check_timers(Reason& why) {
  struct {
    long interval_s, interval_us, value_s, value_us;
  } it;
  for (int which = 0; which < 3; ++which) {  // ITIMER_REAL (alarm), ITIMER_VIRTUAL, ITIMER_PROF
    if (sys::call6(SYS_getitimer, which, (long)&it) == 0 && (it.value_s || it.value_us)) {
      why.add("an interval timer (alarm, setitimer) is armed before the fork point (fork does not copy it)");
      return;
    }
  }
  const long fd = sys::openat(AT_FDCWD, "/proc/self/timers", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char c;
  const long n = sys::read((int)fd, &c, 1);
  sys::close((int)fd);
  if (n > 0) why.add("a POSIX timer (timer_create) exists before the fork point (fork does not copy it)");
}

// /proc/self/maps: "ADDR PERMS OFFSET DEV INODE PATH"; PERMS rw?s is shared
// and writable.
void check_shared_maps(Reason& why) {
  const long fd = sys::openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const char* run_file = g_env.run_file + sizeof "SIGSTORM_RUN_FILE=" - 1;
  char buf[4096];
  size_t len = 0;
  for (;;) {
    const long r = sys::read((int)fd, buf + len, sizeof buf - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < len; ++i) {
      if (buf[i] != '\n') continue;
      buf[i] = 0;
      char* line = buf + start;
      start = i + 1;
      char* perms = line;
      while (*perms && *perms != ' ') ++perms;
      if (!*perms || perms[2] != 'w' || perms[4] != 's') continue;
      char* path = perms + 1;
      for (int field = 0; field < 4 && *path; ++field) {
        while (*path && *path != ' ') ++path;
        while (*path == ' ') ++path;
      }
      if (*run_file && __builtin_strcmp(path, run_file) == 0) continue;
      // The audit library's overflow stubs (preload/audit/: the ones past
      // the pool in its own text, in a process that made that many) are a
      // memfd mapped twice, writable and executable. A stub's bytes depend
      // only on its id and the auditor's addresses, the same in every copy,
      // and are written only as bindings are made: the server's before the
      // fork, never again; a copy's later ones (a dlopen) the same bytes
      // the next copy would write. Their targets and the handler count are
      // in the auditor's private .bss.
      if (__builtin_strncmp(path, "/memfd:sigstorm-stubs", sizeof "/memfd:sigstorm-stubs" - 1) == 0) continue;
      why.add("a shared writable mapping (").add(*path ? path : "anonymous").add(
          ") exists before the fork point (the copies would share it)");
      sys::close((int)fd);
      return;
    }
    if (start == 0 && len == sizeof buf - 1) len = 0;  // a line longer than the buffer: skip it
    else {
      __builtin_memmove(buf, buf + start, len - start);
      len -= start;
    }
  }
  sys::close((int)fd);
}

void refuse(const Reason& why) {
  const int32_t n = (int32_t)why.n;
  write_full(g_status, &n, sizeof n);
  write_full(g_status, why.text, why.n);
  sys::call6(SYS_exit_group, 0);
}

// In the copy: a new process of the run, as the shim's atfork handler
// would make it (_Fork runs none).
void become_copy() {
  sys::call6(SYS_setpgid, 0, 0);
  sys::close(g_ctl);
  if (g_status != g_ctl) sys::close(g_status);
  g_owner_pid = sys::getpid();
  t_state.published = nullptr;
  recorder_after_fork();
  g_checks = g_run->config.checks;
  g_policy = g_run->config.policy;
  publish_caught();
}

}  // namespace

SIGSTORM_HOT_TEXT void fork_server_early() {
  const char* spec = take_env(wire::kEnvForkServer);
  if (!spec || !parse(spec)) return;
  g_serve = true;
  note_early_descriptors();
}

SIGSTORM_HOT_TEXT bool fork_server_pending() { return g_serve; }

void fork_server() {
  if (!g_serve) return;
  const int saved_errno = errno;
  using ForkFn = int (*)(void);
  const ForkFn fork_fn = (ForkFn)dlsym(RTLD_NEXT, "_Fork");
  Reason why;
  if (!g_run) why.add("the shim has no run file");
  else if (!fork_fn) why.add("the C library has no _Fork (glibc 2.34): a fork would run the program's atfork handlers");
  if (!why.n) check_threads(why);
  if (!why.n) check_descriptors(why);
  if (!why.n) check_timers(why);
  if (!why.n) check_shared_maps(why);
  if (why.n) refuse(why);
  const int32_t hello = 0;
  if (!write_full(g_status, &hello, sizeof hello)) sys::call6(SYS_exit_group, 0);

  // Signals meant for the copy's parent stay pending here (a copy that
  // signals its parent does not end the server); a copy starts with the
  // mask the program was started with, and no pending signal.
  sigset_t all, orig;
  __builtin_memset(&all, 0xff, sizeof all);
  sys::sigprocmask(SIG_SETMASK, &all, &orig);
  // Each copy is forked ahead, while sigstorm still looks at the last run,
  // and waits for the request itself: the fork is off a run's critical
  // path. Nothing of the run happens before the request (the copy has not
  // even registered in the run file, which sigstorm resets meanwhile).
  for (;;) {
    const int pid = fork_fn();
    if (pid == 0) {
      int32_t request;
      if (!read_full(g_ctl, &request, sizeof request)) sys::call6(SYS_exit_group, 0);  // sigstorm is done
      __atomic_store_n(&g_run->config.copy_pid, sys::getpid(), __ATOMIC_RELEASE);
      become_copy();
      sys::sigprocmask(SIG_SETMASK, &orig, nullptr);
      errno = saved_errno;
      return;
    }
    int32_t status = -errno;
    if (pid > 0) {
      sys::call6(SYS_setpgid, pid, pid);  // before the CLI may kill the group
      int st = 0;
      while (sys::call6(SYS_wait4, pid, (long)&st, 0, 0) == -EINTR) {
      }
      status = st;
    }
    if (!write_full(g_status, &status, sizeof status)) sys::call6(SYS_exit_group, 0);
    if (pid < 0) {  // the request that would have gone to it: consume it
      int32_t request;
      if (!read_full(g_ctl, &request, sizeof request)) sys::call6(SYS_exit_group, 0);
    }
  }
}

}  // namespace sigstorm
