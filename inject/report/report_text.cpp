// The text report: one sanitizer-style block per finding, then injection
// lines, notes and the SUMMARY line.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/report/report.h"
#include "inject/options/replay.h"
#include "inject/report/suppress.h"

namespace sigstorm {
namespace {

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string times(uint64_t n) { return n == 1 ? "1 time" : std::to_string(n) + " times"; }


std::string frame_line(size_t i, const StackFrame& f, std::string_view base_dir) {
  std::string s = "    #" + std::to_string(i) + " ";
  // An interpreter's frame (a Python traceback) has a file but no module.
  if (!f.module && !f.file) return s + hex(f.offset) + " (unknown module)";
  s += f.function ? *f.function : "??";
  if (f.file) {
    s += " " + short_path(*f.file, base_dir);
    if (f.line) s += ":" + std::to_string(*f.line);
  }
  if (f.function && f.module) s += " (" + *f.module + ")";
  else if (f.module) s += " (" + *f.module + "+" + hex(f.offset) + ")";
  return s;
}

// Pasted whole into a suppressions file, the line works: the rest is a comment.
std::string gen_suppression_line(const Finding& f) {
  return suppression_for(f) + "  # sigstorm --gen-suppressions: " + std::string(kind_name(f.kind)) + ": " + f.message;
}

std::string quoted(const Suppressed& s) {
  return s.file + ":" + std::to_string(s.line) + " '" + s.kind + ":" + s.pattern + "'";
}

// What the suppressions did: unused lines always, matches with verbosity 1.
std::string suppression_lines(const Report& r) {
  std::string out;
  if (r.verbosity >= 1)
    for (const Finding& f : r.findings)
      if (f.suppressed)
        out += "sigstorm: suppressed by " + quoted(*f.suppressed) + ": " + std::string(kind_name(f.kind)) + ": " +
               f.message + " (" + times(f.count) + ")\n";
  for (const Report::SuppressionUse& u : r.suppressions)
    if (!u.matched) out += "sigstorm: suppression " + quoted(u.line) + " matched no finding\n";
  return out;
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

}  // namespace

std::string write_text(const Report& r, std::string_view base_dir) {
  std::string out;
  for (const Finding& f : r.findings) {
    if (f.suppressed) continue;  // counted in the summary
    out += "==" + std::to_string(f.pid) + "==" + (is_error(f.kind) ? "ERROR" : "WARNING") +
           ": sigstorm: " + std::string(kind_name(f.kind)) + ": " + f.message + " (pid " +
           std::to_string(f.pid) + ", tid " + std::to_string(f.tid) + ")\n";
    // As gdb shows them: a signal frame is a "<signal handler called>" line,
    // then the instruction the signal interrupted (unless that is only the
    // kernel's return trampoline).
    size_t n = 0;
    for (const StackFrame& fr : f.stack) {
      if (fr.signal_frame) {
        out += "    #" + std::to_string(n++) + " <signal handler called>\n";
        if ((!fr.module && !fr.file) || !fr.function || fr.function->find("restore_rt") != std::string::npos) continue;
      }
      out += frame_line(n++, fr, base_dir) + "\n";
    }
    if (f.stack.empty()) out += "    (no stack)\n";
    if (f.count > 1 || f.pids.size() > 1) {
      out += "  seen " + times(f.count);
      if (f.pids.size() > 1) {
        out += " in " + std::to_string(f.pids.size()) + " processes (pids";
        for (size_t i = 0; i < f.pids.size(); ++i) out += (i ? ", " : " ") + std::to_string(f.pids[i]);
        out += ")";
      }
      out += "\n";
    }
    if (r.gen_suppressions) out += gen_suppression_line(f) + "\n";
    out += "\n";
  }

  // What the run exercised: every handler that ran, every spec's firings.
  for (const HandlerStat& h : r.handlers) {
    std::string name = h.handler.value_or("<unknown>");
    if (!h.handler && h.handler_frame && h.handler_frame->module)
      name = *h.handler_frame->module + "+" + hex(h.handler_frame->offset);
    out += "sigstorm: handler " + name + " for " + h.signal + " ran " + times(h.ran);
    // What the runs interrupted: calls a call: injection chose, other system
    // calls (a blocking read, a sleep), running code.
    std::vector<std::string> parts;
    if (h.at_call) {
      std::string p = std::to_string(h.at_call) + " at interposed calls:";
      for (size_t i = 0; i < h.interrupted.size(); ++i) p += (i ? ", " : " ") + h.interrupted[i];
      parts.push_back(p);
    }
    if (h.in_syscall) parts.push_back(std::to_string(h.in_syscall) + " in system calls");
    const uint64_t running = h.ran - std::min(h.ran, h.at_call + h.in_syscall);
    if (!parts.empty() && running) parts.push_back(std::to_string(running) + " in running code");
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : " (") + parts[i];
    if (!parts.empty()) out += ")";
    if (h.pids.size() > 1) out += " in " + std::to_string(h.pids.size()) + " processes";
    out += "\n";
  }
  std::string never_fired;
  for (const InjectionStat& inj : r.injections) {
    if (inj.fired == 0) never_fired += "; never fired: " + inj.spec;
    if (inj.fired == 0) {
      out += "sigstorm: injection " + inj.spec + " never fired\n";
      continue;
    }
    out += "sigstorm: injection " + inj.spec + " fired " + times(inj.fired);
    if (inj.processes.size() > 1) {
      out += " (";
      for (size_t i = 0; i < inj.processes.size(); ++i)
        out += (i ? ", pid " : "pid ") + std::to_string(inj.processes[i].pid) + ": " +
               std::to_string(inj.processes[i].fired);
      out += ")";
    }
    out += "\n";
  }
  for (const std::string& note : r.notes) out += "sigstorm: note: " + note + "\n";
  if (r.exit.signal)
    out += "sigstorm: program killed by " + *r.exit.signal + (r.exit.cause ? " (" + *r.exit.cause + ")" : "") + "\n";
  const size_t suppressed = suppressed_count(r);
  if (r.findings.size() > suppressed && !r.injections.empty())
    out += "sigstorm: replay with: " + replay_command(r) + "\n";
  out += suppression_lines(r);
  const std::string suppressed_text = suppressed ? ", " + std::to_string(suppressed) + " suppressed" : "";

  if (r.findings.size() == suppressed) {
    out += "SUMMARY: sigstorm: no findings" + suppressed_text + "; seed " + std::to_string(r.seed) + never_fired +
           "\n";
    return out;
  }
  const size_t errors = error_count(r), warnings = warning_count(r);
  out += "SUMMARY: sigstorm: " + std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
         std::to_string(warnings) + (warnings == 1 ? " warning (" : " warnings (");
  bool first = true;
  for (wire::Kind k : all_kinds()) {
    size_t n = 0;
    for (const Finding& f : r.findings) n += f.kind == k && !f.suppressed;
    if (!n) continue;
    out += (first ? "" : ", ") + std::string(kind_name(k)) + " " + std::to_string(n);
    first = false;
  }
  std::set<int> pids;
  for (const Finding& f : r.findings) {
    if (f.suppressed) continue;
    pids.insert(f.pid);
    pids.insert(f.pids.begin(), f.pids.end());
  }
  out += ") in " + std::to_string(pids.size()) + (pids.size() == 1 ? " process" : " processes") +
         suppressed_text + "; seed " + std::to_string(r.seed) + "\n";
  return out;
}

}  // namespace sigstorm
