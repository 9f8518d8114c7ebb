// What `sigstorm run` and `sigstorm fuzz` share to start a program under the
// shim: the option parsers, where the shim is, the child's environment.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/run/program.h"

namespace sigstorm::cli {

// A DUR option (2s, 50ms, ...), longer than 0. Throws Error naming OPTION.
uint64_t duration_option(const char* option, const std::string& text);
// A random 32-bit seed: short to type back, exact in every JSON reader.
uint64_t random_seed();
// --seed N, or a random seed when not given. Throws Error.
uint64_t seed_option(const std::optional<std::string>& text);
// --time-scale F (> 0). Throws Error.
double time_scale_option(const std::string& text);
// --error-exitcode N (0..255). Throws Error.
int exitcode_option(const std::string& text);
// libsigstorm.so: $SIGSTORM_SHIM, else ../lib/ beside this binary. Throws Error.
std::string shim_path();
// libsigstorm-audit.so beside the shim, or "" when there is none.
std::string audit_library(const std::string& shim);
// This process's environment with the shim first in LD_PRELOAD (after the
// program's sanitizer runtime, where it must precede it), the audit library
// first in LD_AUDIT (the program's own auditors after it; none for a program
// whose runtime does not load with it: Sanitizer::takes_audit, nor when
// `checks` leaves out unsafe-call: an auditor costs every process its
// start-up, see bench/startup_cost) and the run file named.
std::vector<std::string> child_environment(const std::string& shim, const std::string& run_file,
                                           const Sanitizer& program, uint32_t checks);
// LD_PRELOAD's head: the sanitizer runtime that must come first (the
// shim drops it again at start-up, so that the program's children do not
// inherit it), then the shim.
std::string preload_head(const std::string& shim, const std::string& first);

// The program a run starts and the shim it gets, checked before anything
// starts: PROGRAM found on PATH, the shim found and loadable, the program one
// the loader can preload it into. Throws Error.
struct Prepared {
  std::string program;  // as given
  std::string path;     // as found
  std::string shim;
  Sanitizer sanitizer;  // the program's sanitizer runtime, if any
};
Prepared prepare(const std::vector<std::string>& command);

// The working directory (source paths in reports are shown relative to it).
std::string current_dir();

}  // namespace sigstorm::cli
