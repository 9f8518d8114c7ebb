// One self-contained HTML page: summary, findings table, stacks. No script,
// no external resource; every piece of text is escaped.
#include <cstdio>

#include "inject/options/checks.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string frame_html(const StackFrame& f, std::string_view base_dir) {
  std::string s = "<li><code>";
  // An interpreter's frame (a Python traceback) has a file but no module.
  if (!f.module && !f.file) return s + esc(hex(f.offset)) + "</code> <span class=\"mod\">(unknown module)</span></li>";
  s += esc(f.function.value_or("??")) + "</code>";
  if (f.file) {
    s += " <span class=\"src\">" + esc(short_path(*f.file, base_dir));
    if (f.line) s += ":" + std::to_string(*f.line);
    s += "</span>";
  }
  if (!f.module) return s + "</li>";
  s += " <span class=\"mod\">(" + esc(*f.module);
  if (!f.function) s += "+" + esc(hex(f.offset));
  return s + ")</span></li>";
}

}  // namespace

std::string write_html(const Report& r, std::string_view base_dir) {
  std::string cmd;
  for (const auto& a : r.argv) cmd += (cmd.empty() ? "" : " ") + a;
  const size_t errors = error_count(r), warnings = warning_count(r);

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>sigstorm report: " + esc(cmd) + "</title>\n<style>\n"
       "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
       "table{border-collapse:collapse;margin:1em 0}\n"
       "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\n"
       "th{background:#f3f3f3}\n"
       ".error{color:#b00020;font-weight:bold}.warning{color:#a15c00;font-weight:bold}\n"
       "code,.src,.mod{font-family:ui-monospace,monospace}.mod{color:#666}.sig{color:#666;font-style:italic}\n"
       "ol{margin:.3em 0}details{margin:.8em 0}\n"
       "</style>\n</head>\n<body>\n";
  h += "<h1>sigstorm report</h1>\n<table>\n";
  h += "<tr><th>command</th><td><code>" + esc(cmd) + "</code></td></tr>\n";
  h += "<tr><th>sigstorm</th><td>" + esc(r.version) + "</td></tr>\n";
  h += "<tr><th>seed</th><td>" + std::to_string(r.seed) + "</td></tr>\n";
  std::string exit = r.exit.code ? "exit status " + std::to_string(*r.exit.code)
                     : r.exit.signal ? "killed by " + *r.exit.signal : "unknown";
  h += "<tr><th>program</th><td>" + esc(exit) + "</td></tr>\n";
  h += "<tr><th>findings</th><td>" + std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
       std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings") + "</td></tr>\n";
  h += "</table>\n";

  if (!r.injections.empty()) {
    h += "<h2>Injections</h2>\n<table>\n<tr><th>spec</th><th>fired</th></tr>\n";
    for (const auto& inj : r.injections)
      h += "<tr><td><code>" + esc(inj.spec) + "</code></td><td>" +
           (inj.fired ? std::to_string(inj.fired) : std::string("never fired")) + "</td></tr>\n";
    h += "</table>\n";
  }
  if (!r.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) h += "<li>" + esc(n) + "</li>\n";
    h += "</ul>\n";
  }

  h += "<h2>Findings</h2>\n";
  if (r.findings.empty()) {
    h += "<p>No findings.</p>\n";
  } else {
    h += "<table>\n<tr><th>#</th><th>kind</th><th>severity</th><th>message</th><th>function</th>"
         "<th>signal</th><th>handler</th><th>pid</th><th>count</th></tr>\n";
    for (size_t i = 0; i < r.findings.size(); ++i) {
      const Finding& f = r.findings[i];
      const std::string sev(severity_name(f.kind));
      h += "<tr><td><a href=\"#f" + std::to_string(i + 1) + "\">" + std::to_string(i + 1) + "</a></td>";
      h += "<td>" + esc(kind_name(f.kind)) + "</td><td class=\"" + sev + "\">" + sev + "</td>";
      h += "<td>" + esc(f.message) + "</td><td><code>" + esc(f.function.value_or("")) + "</code></td>";
      h += "<td>" + esc(f.signal) + "</td><td><code>" + esc(f.handler.value_or("")) + "</code></td>";
      h += "<td>" + std::to_string(f.pid) + "</td><td>" + std::to_string(f.count) + "</td></tr>\n";
    }
    h += "</table>\n";
    for (size_t i = 0; i < r.findings.size(); ++i) {
      const Finding& f = r.findings[i];
      h += "<details id=\"f" + std::to_string(i + 1) + "\" open>\n<summary><span class=\"" +
           std::string(severity_name(f.kind)) + "\">" + esc(kind_name(f.kind)) + "</span>: " +
           esc(f.message) + " (pid " + std::to_string(f.pid) + ", tid " + std::to_string(f.tid) +
           ")</summary>\n<ol start=\"0\">\n";
      for (const StackFrame& fr : f.stack) {
        if (fr.signal_frame) {
          h += "<li class=\"sig\">&lt;signal handler called&gt;</li>\n";
          if ((!fr.module && !fr.file) || !fr.function || fr.function->find("restore_rt") != std::string::npos) continue;
        }
        h += frame_html(fr, base_dir) + "\n";
      }
      h += "</ol>\n</details>\n";
    }
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace sigstorm
