// What a child process needs to stay under sigstorm, saved at start-up
// (exec wrappers may run after the program rewrote its environment).
#pragma once

namespace sigstorm {

struct SavedEnv {
  char shim_path[1024];   // this library, as the loader mapped it
  char run_file[1200];    // "SIGSTORM_RUN_FILE=..."
  char audit[1200];       // "LD_AUDIT=...", when it names libsigstorm-audit.so (audit_link.cpp)
  char tunables[512];     // "GLIBC_TUNABLES=..." with the static TLS the audit namespace needs
};
extern SavedEnv g_env;

}  // namespace sigstorm
