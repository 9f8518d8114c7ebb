// Suppressions (--suppressions FILE), as TSan's and valgrind's: one
// `KIND:PATTERN` per line, `#` starts a comment. KIND is a finding kind or
// `*`; PATTERN is an fnmatch(3) glob matched against the function called,
// the handler, and each stack frame's function, source file and module. A
// file or module also matches when the pattern matches the part of its path
// after a '/', so `src/vendor/*` matches /home/me/proj/src/vendor/x.c and
// `libfoo.so` matches /opt/lib/libfoo.so.
//
// Matching runs after symbolization, on the report model, the same way for
// `sigstorm run`, `sigstorm fuzz` (a suppressed finding does not stop the
// search) and `sigstorm report`.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inject/report/report.h"

namespace sigstorm {

struct SuppressionRule {
  Suppressed where;                 // file, line, kind text, pattern
  std::optional<wire::Kind> kind;   // nullopt: `*`
};

class Suppressions {
 public:
  // Reads each file in order. Throws sigstorm::Error, one line naming the
  // file (a missing or unreadable file) or FILE:LINE (a malformed line).
  static Suppressions load(const std::vector<std::string>& files);
  // The text of one file; `name` is what errors and matches call it.
  static Suppressions parse(std::string_view text, std::string_view name);

  bool empty() const { return rules_.empty(); }
  const std::vector<SuppressionRule>& rules() const { return rules_; }
  // The first rule that matches `f`, or nullptr.
  const SuppressionRule* match(const Finding& f) const;

 private:
  std::vector<SuppressionRule> rules_;
};

// Marks every finding a rule matches (the first rule wins; findings already
// marked keep their mark) and records each rule with its match count in
// report.suppressions.
void apply_suppressions(Report& report, const Suppressions& suppressions);

// A line that suppresses `f` and as little else as is sensible: its kind
// and the innermost function of the program's own code on its stack (the
// handler, or what the handler called that made the call); for code in a
// shared library outside the system's, that library (`*libfoo.so*`).
std::string suppression_for(const Finding& f);

}  // namespace sigstorm
