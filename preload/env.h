// What a child process needs to stay under sigstorm, saved at start-up
// (exec wrappers may run after the program rewrote its environment).
#pragma once

namespace sigstorm {

struct SavedEnv {
  char shim_path[1024];   // this library, as the loader mapped it
  char run_file[1200];    // "SIGSTORM_RUN_FILE=..."
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

}  // namespace sigstorm
