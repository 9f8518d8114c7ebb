#include "inject/report/report.h"

#include <cstdio>

#include "inject/options/checks.h"

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

std::string write_report(const Report& report, Format format, std::string_view base_dir) {
  switch (format) {
    case Format::Json: return write_json(report);
    case Format::Sarif: return write_sarif(report, base_dir);
    case Format::Html: return write_html(report, base_dir);
    case Format::Text: break;
  }
  return write_text(report, base_dir);
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
