// `sigstorm fuzz [OPTIONS] -- PROGRAM [ARGS...]`: searches injection
// schedules over the call points PROGRAM reaches; on the first error finding
// it minimizes the schedule and prints one `sigstorm run ...` line that
// reproduces it.
#pragma once
#include <CLI/CLI.hpp>

namespace sigstorm::cli {

// Adds the `fuzz` subcommand, then its options (they live in cli/fuzz.cpp;
// main builds them only when a parse can enter it).
CLI::App* add_fuzz_command(CLI::App& app);
void add_fuzz_options(CLI::App* fuzz);

// Runs it, once `add_fuzz_command`'s subcommand was parsed. Returns the exit
// status; throws sigstorm::Error (usage, exit 2) before the program starts.
int fuzz_command();

}  // namespace sigstorm::cli
