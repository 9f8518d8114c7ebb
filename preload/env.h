// What a child process needs to stay under sigstorm, saved at start-up
// (exec wrappers may run after the program rewrote its environment).
#pragma once
#include <stddef.h>
#include <unistd.h>

namespace sigstorm {

// The environment the loader gave the shim's constructor: in a process
// whose sanitizer runtime initializes first (clang's ASan fuzz targets),
// libc's `environ` may not be set yet when the constructor runs.
extern char** g_initial_env;
inline char** env_list() { return environ ? environ : g_initial_env; }

// getenv without libc (start-up runs before the program's constructors).
inline const char* env_value(const char* name) {
  const size_t n = __builtin_strlen(name);
  for (char** e = env_list(); e && *e; ++e)
    if (__builtin_strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return nullptr;
}

// What every process saves (SIGSTORM_HOT, preload/cold_bss.h).
struct SavedEnv {
  // This library, as the loader mapped it: the loader's own string (its
  // link map's name, which lives as long as the library), not a copy.
  const char* shim_path = "";
  char run_file[1200] = {};  // "SIGSTORM_RUN_FILE=..."
  // Which parts of g_chain_env are set (ChainParts): the exec wrappers ask
  // this, not the buffers, whose pages most processes never touch.
  unsigned char chain = 0;
};
enum ChainParts : unsigned char { kChainAudit = 1, kChainTunables = 2, kChainRuntime = 4 };
// What only processes under the auditor or a sanitizer save.
struct ChainEnv {
  char audit[1200];       // "LD_AUDIT=...", when it names libsigstorm-audit.so (audit_link.cpp)
  char tunables[512];     // "GLIBC_TUNABLES=..." with the static TLS preloading under LD_AUDIT needs
  // The sanitizer runtime the CLI put before the shim in LD_PRELOAD (the
  // shim took it out again: preload/sanitizer.cpp), and this executable:
  // an exec of the same executable needs the runtime first again.
  char preload_first[512];
  unsigned long exe_dev, exe_ino;
};
// Does exec'ing PATH (or descriptor FD, when PATH is null) need
// preload_first? Async-signal-safe: a stat.
bool exec_needs_runtime(const char* path, int fd);
extern SavedEnv g_env;
extern ChainEnv g_chain_env;

}  // namespace sigstorm
