#include "inject/report/suppress.h"

#include <fnmatch.h>

#include <cerrno>
#include <cstring>

#include <fstream>
#include <sstream>

#include "inject/error.h"
#include "inject/options/checks.h"

namespace sigstorm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// A path matches as a whole or from any component on: `src/vendor/*`
// matches /home/me/proj/src/vendor/x.c.
bool glob_path(const std::string& pattern, const std::optional<std::string>& path) {
  if (!path) return false;
  if (glob(pattern, *path)) return true;
  for (size_t slash = path->find('/'); slash != std::string::npos; slash = path->find('/', slash + 1))
    if (slash + 1 < path->size() && glob(pattern, path->substr(slash + 1))) return true;
  return false;
}

bool frame_matches(const std::string& pattern, const StackFrame& fr) {
  return (fr.function && glob(pattern, *fr.function)) || glob_path(pattern, fr.file) ||
         glob_path(pattern, fr.module);
}

bool matches(const SuppressionRule& rule, const Finding& f) {
  if (rule.kind && *rule.kind != f.kind) return false;
  const std::string& p = rule.where.pattern;
  if (f.function && glob(p, *f.function)) return true;
  if (f.handler && glob(p, *f.handler)) return true;
  if (f.handler_frame && frame_matches(p, *f.handler_frame)) return true;
  for (const StackFrame& fr : f.stack)
    if (frame_matches(p, fr)) return true;
  return false;
}

// fnmatch metacharacters in a name, taken literally.
std::string escape_glob(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool shared_library(const std::string& module) {
  const std::string b = base_name(module);
  return b.size() > 3 && (b.compare(b.size() - 3, 3, ".so") == 0 || b.find(".so.") != std::string::npos);
}

bool sigstorm_module(const std::optional<std::string>& module) {
  return module && base_name(*module).rfind("libsigstorm", 0) == 0;
}

}  // namespace

Suppressions Suppressions::parse(std::string_view text, std::string_view name) {
  Suppressions out;
  int number = 0;
  size_t at = 0;
  while (at <= text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    ++number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const std::string where = std::string(name) + ":" + std::to_string(number);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      throw Error(where + ": '" + std::string(line) + "': want KIND:PATTERN (e.g. unsafe-call:report_status)");
    const std::string kind(trim(line.substr(0, colon)));
    const std::string pattern(trim(line.substr(colon + 1)));
    SuppressionRule rule;
    if (kind != "*") {
      rule.kind = parse_kind(kind);
      if (!rule.kind)
        throw Error(where + ": unknown kind '" + kind + "' (want * or one of " + format_checks(wire::kAllChecks) +
                    ")");
    }
    if (pattern.empty()) throw Error(where + ": empty pattern after '" + kind + ":'");
    rule.where = Suppressed{std::string(name), number, kind, pattern};
    out.rules_.push_back(std::move(rule));
  }
  return out;
}

Suppressions Suppressions::load(const std::vector<std::string>& files) {
  Suppressions out;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("--suppressions " + file + ": cannot read it (" + std::strerror(errno) + ")");
    std::ostringstream text;
    text << in.rdbuf();
    Suppressions one = parse(text.str(), file);
    for (SuppressionRule& r : one.rules_) out.rules_.push_back(std::move(r));
  }
  return out;
}

const SuppressionRule* Suppressions::match(const Finding& f) const {
  for (const SuppressionRule& r : rules_)
    if (matches(r, f)) return &r;
  return nullptr;
}

void apply_suppressions(Report& report, const Suppressions& suppressions) {
  const size_t first = report.suppressions.size();
  for (const SuppressionRule& r : suppressions.rules()) report.suppressions.push_back({r.where, 0});
  for (Finding& f : report.findings) {
    if (f.suppressed) continue;
    const SuppressionRule* r = suppressions.match(f);
    if (!r) continue;
    f.suppressed = r->where;
    ++report.suppressions[first + static_cast<size_t>(r - suppressions.rules().data())].matched;
  }
}

std::string suppression_for(const Finding& f) {
  const std::string kind(kind_name(f.kind));
  // The innermost frame of code that is neither the C library's nor
  // sigstorm's: the handler, or the function of the program it called.
  for (const StackFrame& fr : f.stack) {
    if (fr.signal_frame || !fr.module || system_module(fr.module) || sigstorm_module(fr.module)) continue;
    if (shared_library(*fr.module)) return kind + ":*" + escape_glob(base_name(*fr.module)) + "*";
    if (fr.function) return kind + ":" + escape_glob(*fr.function);
  }
  if (f.handler) return kind + ":" + escape_glob(*f.handler);
  if (f.function) return kind + ":" + escape_glob(*f.function);
  if (f.handler_frame && f.handler_frame->module)
    return kind + ":*" + escape_glob(base_name(*f.handler_frame->module)) + "*";
  return kind + ":*";
}

}  // namespace sigstorm
