// exec and posix_spawn: a program that builds its own environment for a
// child (env -i, clearenv, a fresh envp) would drop sigstorm from the
// process tree; these wrappers put LD_PRELOAD and the run file back.
#include "preload/cold_bss.h"
#include "preload/env.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"

using namespace sigstorm;

namespace {

SIGSTORM_HOT_TEXT bool starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return false;
  return true;
}

SIGSTORM_HOT_TEXT bool contains(const char* s, const char* needle) {
  for (; *s; ++s) {
    const char* a = s;
    const char* b = needle;
    while (*b && *a == *b) ++a, ++b;
    if (!*b) return true;
  }
  return false;
}

SIGSTORM_HOT_TEXT size_t append(char* dst, size_t at, size_t cap, const char* src) {
  while (*src && at + 1 < cap) dst[at++] = *src++;
  dst[at] = 0;
  return at;
}

constexpr size_t kPreloadMax = 8192;

// Runs `run` with envp, or with a copy on this stack that carries sigstorm.
// While exec runs, this process's run-file entry says so: the image exec
// starts takes the entry over (one entry per process, however many images).
template <class F>
SIGSTORM_HOT_TEXT int marked_exec(F&& run) {
  wire::Process* p = in_borrowed_memory() ? nullptr : g_process;  // a vfork child's entry is its parent's
  if (p) p->execing.store(main_thread_holds_slot() ? wire::kExecSlot : wire::kExecPlain, std::memory_order_release);
  const int r = run();
  if (p) p->execing.store(wire::kExecNone, std::memory_order_release);  // exec failed: still this image
  return r;
}

// A name execvp searches along PATH (no '/') is not looked at.
SIGSTORM_HOT_TEXT bool self_exec(const char* file) {
  for (const char* c = file; c && *c; ++c)
    if (*c == '/') return exec_needs_runtime(file, -1);
  return false;
}

// Marks = false for posix_spawn: it starts another process, this one goes on.
// runtime: the image is this executable again, which needs the sanitizer
// runtime the CLI put first in LD_PRELOAD (the shim took it out for
// everything else the program runs).
template <bool Marks = true, class F>
SIGSTORM_HOT_TEXT int with_sigstorm_env(char* const* envp, F&& run_with, bool runtime = false) {
  auto run = [&](char* const* e) {
    if constexpr (Marks) return marked_exec([&] { return run_with(e); });
    else return run_with(e);
  };
  if (!g_env.shim_path[0] || !g_env.run_file[0]) return run(envp);
  size_t n = 0;
  bool has_run = false, has_preload = false, has_audit = !(g_env.chain & kChainAudit),
       has_tunables = !(g_env.chain & kChainTunables);
  for (; envp && envp[n]; ++n) {
    if (starts_with(envp[n], "SIGSTORM_RUN_FILE=")) has_run = true;
    if (starts_with(envp[n], "LD_PRELOAD=") && contains(envp[n], g_env.shim_path)) has_preload = true;
    if (starts_with(envp[n], "LD_AUDIT=") && contains(envp[n], "libsigstorm-audit.so")) has_audit = true;
    if (starts_with(envp[n], "GLIBC_TUNABLES=")) has_tunables = true;
  }
  if (has_run && has_preload && has_audit && has_tunables && !runtime) return run(envp);
  char* fresh[n + 5];
  char preload[kPreloadMax];
  size_t len = append(preload, 0, sizeof preload, "LD_PRELOAD=");
  if (runtime) {
    len = append(preload, len, sizeof preload, g_chain_env.preload_first);
    len = append(preload, len, sizeof preload, ":");
  }
  const size_t head = len;
  len = append(preload, len, sizeof preload, g_env.shim_path);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (starts_with(envp[i], "SIGSTORM_RUN_FILE=")) continue;
    if (starts_with(envp[i], "LD_PRELOAD=")) {
      if (!contains(envp[i], g_env.shim_path)) {
        len = append(preload, len, sizeof preload, ":");
        append(preload, len, sizeof preload, envp[i] + 11);
      } else {
        append(preload, head, sizeof preload, envp[i] + 11);
      }
      continue;
    }
    // The program's own LD_AUDIT gives way to the one sigstorm chained it into.
    if ((g_env.chain & kChainAudit) && starts_with(envp[i], "LD_AUDIT=")) continue;
    fresh[k++] = envp[i];
  }
  if (g_env.chain & kChainAudit) fresh[k++] = g_chain_env.audit;
  if (!has_tunables) fresh[k++] = g_chain_env.tunables;  // the program's own GLIBC_TUNABLES, if any, stays
  fresh[k++] = preload;
  fresh[k++] = g_env.run_file;
  fresh[k] = nullptr;
  return run(fresh);
}

}  // namespace

SIGSTORM_WRAPPER_IN(SIGSTORM_HOT_TEXT, int, execve, (const char* path, char* const argv[], char* const envp[])) {
  auto fn = real_fn(real::execve);
  SIGSTORM_INTERCEPT(fn_execve, with_sigstorm_env(envp, [&](char* const* e) { return fn(path, argv, e); }, self_exec(path)));
}

SIGSTORM_WRAPPER(int, execv, (const char* path, char* const argv[])) {
  auto fn = real_fn(real::execv);
  auto ve = real_fn(real::execve);
  SIGSTORM_INTERCEPT(fn_execv, with_sigstorm_env(environ, [&](char* const* e) { return ve(path, argv, e); }, self_exec(path)));
}

SIGSTORM_WRAPPER(int, execvp, (const char* file, char* const argv[])) {
  auto fn = real_fn(real::execvp);
  auto vpe = real_fn(real::execvpe);
  SIGSTORM_INTERCEPT(fn_execvp, with_sigstorm_env(environ, [&](char* const* e) { return vpe(file, argv, e); }, self_exec(file)));
}

SIGSTORM_WRAPPER(int, execvpe, (const char* file, char* const argv[], char* const envp[])) {
  auto fn = real_fn(real::execvpe);
  SIGSTORM_INTERCEPT(fn_execvpe, with_sigstorm_env(envp, [&](char* const* e) { return fn(file, argv, e); }, self_exec(file)));
}

SIGSTORM_WRAPPER(int, fexecve, (int fd, char* const argv[], char* const envp[])) {
  auto fn = real_fn(real::fexecve);
  SIGSTORM_INTERCEPT(fn_fexecve, with_sigstorm_env(envp, [&](char* const* e) { return fn(fd, argv, e); }, exec_needs_runtime(nullptr, fd)));
}

// execl, execle, execlp: gather the arguments on the stack, then as above.
#define SIGSTORM_GATHER_ARGS(first, argv_name, then_env, want_env) \
  size_t argc_ = 1;                                            \
  {                                                            \
    va_list ap;                                                \
    va_start(ap, first);                                       \
    while (va_arg(ap, const char*)) ++argc_;                   \
    va_end(ap);                                                \
  }                                                            \
  const char* argv_name[argc_ + 1];                            \
  char* const* then_env = environ;                             \
  {                                                            \
    va_list ap;                                                \
    va_start(ap, first);                                       \
    argv_name[0] = first;                                      \
    for (size_t i = 1; i <= argc_; ++i) argv_name[i] = va_arg(ap, const char*); \
    if (want_env) then_env = va_arg(ap, char* const*);       \
    va_end(ap);                                                \
  }

SIGSTORM_WRAPPER(int, execl, (const char* path, const char* arg, ...)) {
  SIGSTORM_GATHER_ARGS(arg, argv, envp, false)
  auto fn = real_fn(real::execl);
  auto ve = real_fn(real::execve);
  SIGSTORM_INTERCEPT_REF(fn_execl, with_sigstorm_env(envp, [&](char* const* e) { return ve(path, (char* const*)argv, e); }, self_exec(path)));
}

SIGSTORM_WRAPPER(int, execle, (const char* path, const char* arg, ...)) {
  SIGSTORM_GATHER_ARGS(arg, argv, envp, true)
  auto fn = real_fn(real::execle);
  auto ve = real_fn(real::execve);
  SIGSTORM_INTERCEPT_REF(fn_execle, with_sigstorm_env(envp, [&](char* const* e) { return ve(path, (char* const*)argv, e); }, self_exec(path)));
}

SIGSTORM_WRAPPER(int, execlp, (const char* file, const char* arg, ...)) {
  SIGSTORM_GATHER_ARGS(arg, argv, envp, false)
  auto fn = real_fn(real::execlp);
  auto vpe = real_fn(real::execvpe);
  SIGSTORM_INTERCEPT_REF(fn_execlp, with_sigstorm_env(envp, [&](char* const* e) { return vpe(file, (char* const*)argv, e); }, self_exec(file)));
}

#define SIGSTORM_SPAWN(name)                                                                      \
  SIGSTORM_WRAPPER(int, name, (pid_t * pid, const char* path, const posix_spawn_file_actions_t* fa, \
                               const posix_spawnattr_t* attr, char* const argv[], char* const envp[])) { \
    auto fn = real_fn(real::name);                                                                \
    SIGSTORM_INTERCEPT(fn_##name, with_sigstorm_env<false>(envp, [&](char* const* e) {            \
                         return fn(pid, path, fa, attr, argv, e);                                 \
                       }, self_exec(path)));                                                      \
  }
SIGSTORM_SPAWN(posix_spawn)
SIGSTORM_SPAWN(posix_spawnp)
