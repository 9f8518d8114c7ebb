// `sigstorm run`: the options, then the run pipeline, then the report.
#pragma once
#include "cli/options.h"

namespace sigstorm::cli {

// Validates everything, runs the program, writes the report. Returns the
// exit status. Throws sigstorm::Error (exit 2) before the program starts.
int run(const Options& options);

}  // namespace sigstorm::cli
