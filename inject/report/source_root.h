// The source root SARIF's artifact URIs are relative to (--srcroot's
// default): the git top level of the program's sources, else the current
// directory. Runs git, so never from a signal handler.
#pragma once
#include <optional>
#include <string>

#include "inject/report/report.h"

namespace sigstorm {

// The top level of the git work tree holding `dir`, or nullopt (no git,
// not in a work tree, or git refuses it).
std::optional<std::string> git_top_level(const std::string& dir);

// Where the program's own code is: the directory of the first frame with an
// absolute source file outside the system's libraries (or of the first
// process's executable); its git top level; else `fallback`.
std::string default_source_root(const Report& report, const std::string& fallback);

}  // namespace sigstorm
