// Bare LD_PRELOAD: a program started with only LD_PRELOAD=libsigstorm.so
// (and optionally SIGSTORM_OPTIONS), no CLI around it. The first process of
// the tree starts a hidden `sigstorm __watch` that makes the run file and
// reports each process as it ends, as a sanitizer does.
#pragma once

namespace sigstorm {

// At start-up, with no SIGSTORM_RUN_FILE in the environment: checks
// SIGSTORM_OPTIONS' keys (an unknown key: one line on stderr, exit 2;
// help=1 prints them), starts the watcher and returns a descriptor of the
// run file it made (g_env.run_file names it for the children), or -1 when
// the process runs unchecked (the watcher could not start: a warning says
// why). A bad value: the watcher says which, and the process exits 2.
long bare_start();

// The status a process that ends now (_exit) exits with, after its report
// is out: SIGSTORM_OPTIONS exitcode when the report had an error, else
// `status`. Async-signal-safe.
int bare_exit_status(int status);

// The process is about to die of a fatal signal (preload/trampoline.cpp's
// crash catcher): its report first, as at exit. Async-signal-safe.
void bare_before_death();

}  // namespace sigstorm
