// The JSON report of ../shared/contract.md, field order included.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/report/report.h"
#include "inject/report/suppress.h"

namespace sigstorm {
namespace {

using json = nlohmann::ordered_json;

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json frame_json(const StackFrame& f) {
  json j;
  j["function"] = opt(f.function);
  j["module"] = opt(f.module);
  j["file"] = opt(f.file);
  j["line"] = opt(f.line);
  j["offset"] = hex_text(f.offset);  // file offset in module; absolute address when module is null
  if (f.signal_frame) j["signal_frame"] = true;
  return j;
}

json suppressed_json(const Suppressed& s) {
  return json{{"file", s.file}, {"line", s.line}, {"kind", s.kind}, {"pattern", s.pattern}};
}

}  // namespace

std::string write_json(const Report& r) {
  json j;
  j["sigstorm"] = r.version;
  j["argv"] = r.argv;
  j["seed"] = r.seed;
  j["exit"] = json{{"code", opt(r.exit.code)}, {"signal", opt(r.exit.signal)}};
  if (r.exit.cause) j["exit"]["cause"] = *r.exit.cause;
  json injections = json::array();
  for (const InjectionStat& inj : r.injections) {
    json procs = json::array();
    for (const ProcessFired& p : inj.processes) procs.push_back(json{{"pid", p.pid}, {"fired", p.fired}});
    injections.push_back(json{{"spec", inj.spec}, {"fired", inj.fired}, {"processes", procs}});
  }
  j["injections"] = injections;
  json findings = json::array();
  for (const Finding& f : r.findings) {
    json o;
    o["kind"] = kind_name(f.kind);
    o["severity"] = severity_name(f.kind);
    o["function"] = opt(f.function);
    o["signal"] = f.signal;
    o["handler"] = opt(f.handler);
    o["pid"] = f.pid;
    o["tid"] = f.tid;
    o["count"] = f.count;
    json stack = json::array();
    for (const StackFrame& fr : f.stack) stack.push_back(frame_json(fr));
    o["stack"] = stack;
    o["message"] = f.message;
    o["pids"] = f.pids;
    o["handler_frame"] = f.handler_frame ? frame_json(*f.handler_frame) : json(nullptr);
    o["fatal_signal"] = opt(f.fatal_signal);
    o["nested_signal"] = opt(f.nested_signal);
    o["errno_before"] = opt(f.errno_before);
    o["errno_after"] = opt(f.errno_after);
    if (f.suppressed) o["suppressed"] = suppressed_json(*f.suppressed);
    else if (r.gen_suppressions) o["gen_suppression"] = suppression_for(f);
    if (f.kind == wire::kUnsafeCall) o["calls"] = f.calls;
    if (f.exception) o["exception"] = *f.exception;
    if (f.exception_message) o["exception_message"] = *f.exception_message;
    if (f.cause) o["cause"] = *f.cause;
    findings.push_back(std::move(o));
  }
  j["findings"] = findings;
  j["errors"] = error_count(r);
  j["warnings"] = warning_count(r);
  if (!r.suppressions.empty() || suppressed_count(r)) {
    j["suppressed"] = suppressed_count(r);
    json uses = json::array();
    for (const Report::SuppressionUse& u : r.suppressions) {
      json o = suppressed_json(u.line);
      o["matched"] = u.matched;
      uses.push_back(std::move(o));
    }
    j["suppressions"] = uses;
  }
  json procs = json::array();
  for (const ProcessInfo& p : r.processes)
    procs.push_back(json{{"pid", p.pid}, {"ppid", p.ppid}, {"exe", p.exe},
                         {"unchecked_handlers", p.unchecked_handlers}});
  j["processes"] = procs;
  json handlers = json::array();
  for (const HandlerStat& h : r.handlers)
    handlers.push_back(json{{"signal", h.signal},
                            {"handler", opt(h.handler)},
                            {"handler_frame", h.handler_frame ? frame_json(*h.handler_frame) : json(nullptr)},
                            {"ran", h.ran},
                            {"at_call", h.at_call},
                            {"in_syscall", h.in_syscall},
                            {"interrupted", h.interrupted},
                            {"pids", h.pids}});
  j["handlers"] = handlers;
  j["dropped"] = r.dropped;
  j["notes"] = r.notes;
  j["checks"] = r.checks;
  j["policy"] = r.policy;
  j["hang_timeout"] = format_duration(r.hang_timeout_ns);
  if (r.timeout_ns) j["timeout"] = format_duration(*r.timeout_ns);
  if (r.kill_after_ns) j["kill_after"] = format_duration(*r.kill_after_ns);
  if (r.status) j["status"] = *r.status;
  if (r.run_ended) j["run_ended"] = true;
  j["time_scale"] = r.time_scale;
  json events = json::array();
  for (const TimelineEvent& e : r.timeline.events) {
    json o;
    o["kind"] = event_kind_name(e.kind);
    o["t_ns"] = e.t_ns;
    o["pid"] = e.pid;
    o["tid"] = e.tid;
    o["signal"] = e.signal;
    if (e.enter_ns) o["enter_ns"] = *e.enter_ns;
    if (e.kind == EventKind::Handler) o["end_ns"] = opt(e.end_ns);
    if (e.handler) o["handler"] = *e.handler;
    if (e.interrupted) o["interrupted"] = *e.interrupted;
    if (e.depth) o["depth"] = e.depth;
    if (e.spec) o["spec"] = *e.spec;
    if (e.finding) o["finding"] = *e.finding;
    events.push_back(std::move(o));
  }
  j["timeline"] = json{{"seen", r.timeline.seen}, {"kept", r.timeline.kept}, {"events", events}};
  // Invalid UTF-8 (a path, a name) must not make the report unwritable.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace sigstorm
