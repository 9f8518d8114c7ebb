// The text report: sanitizer-style blocks, one per finding, grouped by the
// handler they were found in (the program's own call named first), then
// handler and injection lines, notes and the SUMMARY line. Colour only when
// asked for (--color): a block's severity, the program's call, the summary;
// the system's frames dimmed.
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

std::string times(uint64_t n) { return n == 1 ? "1 time" : std::to_string(n) + " times"; }


// ANSI SGR sequences, empty without colour.
struct Style {
  std::string_view error, warning, strong, call, dim, reset;
};
constexpr Style kPlain{};
constexpr Style kColor{"\033[1;31m", "\033[1;35m", "\033[1m", "\033[32m", "\033[2m", "\033[0m"};

std::string paint(std::string_view sgr, const std::string& text, const Style& st) {
  if (sgr.empty()) return text;
  return std::string(sgr) + text + std::string(st.reset);
}

std::string where(const StackFrame& f, std::string_view base_dir) {
  std::string s = f.function ? *f.function : "??";
  if (f.file) {
    s += " " + short_path(*f.file, base_dir);
    if (f.line) s += ":" + std::to_string(*f.line);
  }
  return s;
}

// Findings of one handler (its function, wherever it is: one function may
// handle several signals), in order of its first finding.
struct Group {
  std::optional<StackFrame> handler_frame;
  std::optional<std::string> handler;
  std::vector<std::string> signals;
  std::vector<const Finding*> findings;
};

std::vector<Group> group_by_handler(const Report& r) {
  std::vector<Group> groups;
  for (const Finding& f : r.findings) {
    if (f.suppressed) continue;  // counted in the summary
    auto same = [&](const Group& g) {
      if (g.handler_frame && f.handler_frame)
        return g.handler_frame->module == f.handler_frame->module && g.handler_frame->offset == f.handler_frame->offset;
      if (g.handler || f.handler) return g.handler == f.handler;
      return g.signals.front() == f.signal;  // no name known: one group per signal
    };
    auto it = std::find_if(groups.begin(), groups.end(), same);
    if (it == groups.end()) it = groups.insert(groups.end(), Group{f.handler_frame, f.handler, {f.signal}, {}});
    if (std::find(it->signals.begin(), it->signals.end(), f.signal) == it->signals.end())
      it->signals.push_back(f.signal);
    if (!it->handler_frame) it->handler_frame = f.handler_frame;
    it->findings.push_back(&f);
  }
  return groups;
}

std::string counts_text(size_t errors, size_t warnings) {
  return std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") + std::to_string(warnings) +
         (warnings == 1 ? " warning" : " warnings");
}

std::string group_line(const Group& g, std::string_view base_dir, const Style& st) {
  std::string name = g.handler.value_or("<unknown>");
  if (!g.handler && g.handler_frame && g.handler_frame->module)
    name = *g.handler_frame->module + "+" + hex_text(g.handler_frame->offset);
  std::string s = "sigstorm: findings in handler " + name + " for ";
  for (size_t i = 0; i < g.signals.size(); ++i) s += (i ? ", " : "") + g.signals[i];
  if (g.handler_frame && g.handler_frame->file)
    s += " (" + short_path(*g.handler_frame->file, base_dir) +
         (g.handler_frame->line ? ":" + std::to_string(*g.handler_frame->line) : "") + ")";
  size_t errors = 0;
  for (const Finding* f : g.findings) errors += is_error(f->kind);
  return paint(st.strong, s + ": " + counts_text(errors, g.findings.size() - errors), st);
}

std::string frame_line(size_t i, const StackFrame& f, std::string_view base_dir) {
  std::string s = "    #" + std::to_string(i) + " ";
  // An interpreter's frame (a Python traceback) has a file but no module.
  if (!f.module && !f.file) return s + hex_text(f.offset) + " (unknown module)";
  s += f.function ? *f.function : "??";
  if (f.file) {
    s += " " + short_path(*f.file, base_dir);
    if (f.line) s += ":" + std::to_string(*f.line);
  }
  if (f.function && f.module) s += " (" + *f.module + ")";
  else if (f.module) s += " (" + *f.module + "+" + hex_text(f.offset) + ")";
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

// One sanitizer-style block: the ==PID== line, the program's own call, the
// stack, how often it was seen.
std::string finding_block(const Finding& f, std::string_view base_dir, const Style& st) {
  std::string out = "==" + std::to_string(f.pid) + "==" +
                    paint(is_error(f.kind) ? st.error : st.warning, is_error(f.kind) ? "ERROR" : "WARNING", st) +
                    ": sigstorm: " + std::string(kind_name(f.kind)) + ": " + f.message + " (pid " +
                    std::to_string(f.pid) + ", tid " + std::to_string(f.tid) + ")\n";
  // The program's own line first: the stack's top is often the C library.
  if (const StackFrame* call = program_call(f); call && call != &f.stack.front())
    out += "  " + paint(st.call, "in the program: " + where(*call, base_dir), st) + "\n";
  // As gdb shows them: a signal frame is a "<signal handler called>" line,
  // then the instruction the signal interrupted (unless that is only the
  // kernel's return trampoline).
  size_t n = 0;
  for (const StackFrame& fr : f.stack) {
    if (fr.signal_frame) {
      out += "    #" + std::to_string(n++) + " <signal handler called>\n";
      if ((!fr.module && !fr.file) || !fr.function || fr.function->find("restore_rt") != std::string::npos) continue;
    }
    out += paint(is_system_frame(fr) ? st.dim : std::string_view{}, frame_line(n++, fr, base_dir), st) + "\n";
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
  return out;
}

}  // namespace

std::string write_text(const Report& r, std::string_view base_dir, bool color) {
  const Style& st = color ? kColor : kPlain;
  std::string out;
  for (const Group& g : group_by_handler(r)) {
    out += group_line(g, base_dir, st) + "\n";
    for (const Finding* f : g.findings) {
      out += finding_block(*f, base_dir, st);
      if (r.gen_suppressions) out += gen_suppression_line(*f) + "\n";
      out += "\n";
    }
  }

  // What the run exercised: every handler that ran, every spec's firings.
  for (const HandlerStat& h : r.handlers) {
    std::string name = h.handler.value_or("<unknown>");
    if (!h.handler && h.handler_frame && h.handler_frame->module)
      name = *h.handler_frame->module + "+" + hex_text(h.handler_frame->offset);
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
  // Said here, not in the notes: the counts above stay exact.
  if (r.timeline.sampled())
    out += "sigstorm: note: the timeline keeps a sample of " + std::to_string(r.timeline.kept) + " of the " +
           std::to_string(r.timeline.seen) + " injections and handler runs\n";
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
  std::string summary = "SUMMARY: sigstorm: " + counts_text(errors, warnings) + " (";
  bool first = true;
  for (wire::Kind k : all_kinds()) {
    size_t n = 0;
    for (const Finding& f : r.findings) n += f.kind == k && !f.suppressed;
    if (!n) continue;
    summary += (first ? "" : ", ") + std::string(kind_name(k)) + " " + std::to_string(n);
    first = false;
  }
  std::set<int> pids;
  for (const Finding& f : r.findings) {
    if (f.suppressed) continue;
    pids.insert(f.pid);
    pids.insert(f.pids.begin(), f.pids.end());
  }
  summary += ") in " + std::to_string(pids.size()) + (pids.size() == 1 ? " process" : " processes") +
             suppressed_text + "; seed " + std::to_string(r.seed);
  return out + paint(st.strong, summary, st) + "\n";
}

}  // namespace sigstorm
