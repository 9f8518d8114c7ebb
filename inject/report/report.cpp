#include "inject/report/report.h"

#include <cstdio>
#include <cstdint>
#include <iterator>

#include "inject/options/checks.h"
#include "inject/options/replay.h"

namespace sigstorm {

size_t error_count(const Report& report) {
  size_t n = 0;
  for (const Finding& f : report.findings) n += !f.suppressed && is_error(f.kind);
  return n;
}

size_t suppressed_count(const Report& report) {
  size_t n = 0;
  for (const Finding& f : report.findings) n += f.suppressed.has_value();
  return n;
}

size_t warning_count(const Report& report) {
  return report.findings.size() - suppressed_count(report) - error_count(report);
}

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::Text;
  if (name == "json") return Format::Json;
  if (name == "sarif") return Format::Sarif;
  if (name == "html") return Format::Html;
  return std::nullopt;
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::Text: return "text";
    case Format::Json: return "json";
    case Format::Sarif: return "sarif";
    case Format::Html: return "html";
  }
  return "text";
}

std::optional<Format> format_from_path(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string ext(base.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (ext == "json") return Format::Json;
  if (ext == "sarif") return Format::Sarif;
  if (ext == "html" || ext == "htm") return Format::Html;
  if (ext == "txt" || ext == "text") return Format::Text;
  return std::nullopt;
}

std::string write_report(const Report& report, Format format, std::string_view base_dir, bool color) {
  switch (format) {
    case Format::Json: return write_json(report);
    case Format::Sarif: return write_sarif(report, base_dir);
    case Format::Html: return write_html(report, base_dir);
    case Format::Text: break;
  }
  return write_text(report, base_dir, color);
}

namespace {
constexpr std::string_view kEventKindNames[] = {"injection", "handler", "finding"};
}

std::string_view event_kind_name(EventKind kind) { return kEventKindNames[static_cast<size_t>(kind)]; }

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (size_t i = 0; i < std::size(kEventKindNames); ++i)
    if (kEventKindNames[i] == name) return static_cast<EventKind>(i);
  return std::nullopt;
}

void keep_findings(Report& r, const std::vector<bool>& keep) {
  std::vector<size_t> renumber(r.findings.size(), SIZE_MAX);
  std::vector<Finding> kept;
  for (size_t i = 0; i < r.findings.size(); ++i) {
    if (i < keep.size() && !keep[i]) continue;
    renumber[i] = kept.size();
    kept.push_back(std::move(r.findings[i]));
  }
  r.findings = std::move(kept);
  std::vector<TimelineEvent> events;
  for (TimelineEvent& e : r.timeline.events) {
    if (e.finding) {
      if (*e.finding >= renumber.size() || renumber[*e.finding] == SIZE_MAX) continue;
      e.finding = renumber[*e.finding];
    }
    events.push_back(std::move(e));
  }
  r.timeline.events = std::move(events);
}

bool is_system_frame(const StackFrame& f) {
  if (!f.module || system_module(f.module)) return true;
  const std::string& m = *f.module;
  if (m.rfind("/usr/libexec/", 0) == 0) return true;
  // sigstorm's own: the shim, and the audit library's stubs (a signal can
  // land on one), in its text or, past its pool, in its memfd.
  if (m.rfind("/memfd:sigstorm-stubs", 0) == 0) return true;
  const size_t slash = m.rfind('/');
  const std::string_view base = std::string_view(m).substr(slash == std::string::npos ? 0 : slash + 1);
  return base == "libsigstorm.so" || base == "libsigstorm-audit.so";
}

const StackFrame* program_call(const Finding& f) {
  for (const StackFrame& fr : f.stack)
    if (!fr.signal_frame && !is_system_frame(fr)) return &fr;
  return nullptr;
}

std::string replay_command(const Report& r) {
  uint32_t checks = 0;
  for (const auto& c : r.checks)
    if (auto k = parse_kind(c)) checks |= wire::check_bit(*k);
  if (r.checks.empty()) checks = wire::kAllChecks;
  std::vector<std::string> specs;
  for (const auto& inj : r.injections) specs.push_back(inj.spec);
  return replay_line(r.seed,
                     replay_options(checks, r.policy == "linux" ? wire::kPolicyLinux : wire::kPolicyPosix,
                                    r.hang_timeout_ns, r.timeout_ns, r.time_scale, r.kill_after_ns),
                     specs, r.argv);
}

std::string hex_text(uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

bool system_module(const std::optional<std::string>& module) {
  if (!module) return false;
  for (const char* dir : {"/usr/lib/", "/lib/", "/usr/lib64/", "/lib64/"})
    if (module->rfind(dir, 0) == 0) return true;
  return false;
}

std::string short_path(std::string_view path, std::string_view base_dir) {
  while (base_dir.size() > 1 && base_dir.back() == '/') base_dir.remove_suffix(1);
  if (base_dir.empty() || base_dir == "/") return std::string(path);
  if (path.size() > base_dir.size() + 1 && path.substr(0, base_dir.size()) == base_dir &&
      path[base_dir.size()] == '/')
    return std::string(path.substr(base_dir.size() + 1));
  return std::string(path);
}

}  // namespace sigstorm
