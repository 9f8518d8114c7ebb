// JSON report -> Report, for `sigstorm report`. Every problem is one line
// naming the file and the JSON path of the offending value.
#include <nlohmann/json.hpp>

#include <charconv>
#include <limits>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/error.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace {

using json = nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string_view name) : name_(name) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(name_ + ": " + path + ": " + what);
  }

  static std::string type_of(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "an array";
    return "an object";
  }

  const json& field(const json& obj, const std::string& path, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(path, std::string("missing field \"") + key + "\"");
    return *it;
  }
  const json* optional_field(const json& obj, const char* key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  const json& object(const json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "expected an object, got " + type_of(v));
    return v;
  }
  const json& array(const json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "expected an array, got " + type_of(v));
    return v;
  }
  std::string string(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + type_of(v));
    return v.get<std::string>();
  }
  std::optional<std::string> string_or_null(const json& v, const std::string& path) const {
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) fail(path, "expected a string or null, got " + type_of(v));
    return v.get<std::string>();
  }
  bool boolean(const json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "expected true or false, got " + type_of(v));
    return v.get<bool>();
  }
  uint64_t unsigned_int(const json& v, const std::string& path) const {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    fail(path, "expected a non-negative integer, got " + (v.is_number() ? v.dump() : type_of(v)));
  }
  int integer(const json& v, const std::string& path) const {
    if (v.is_number_integer()) {
      if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u <= static_cast<uint64_t>(std::numeric_limits<int>::max())) return static_cast<int>(u);
      } else {
        const int64_t s = v.get<int64_t>();
        if (s >= std::numeric_limits<int>::min() && s <= std::numeric_limits<int>::max())
          return static_cast<int>(s);
      }
      fail(path, "integer " + v.dump() + " out of range");
    }
    fail(path, "expected an integer, got " + (v.is_number() ? v.dump() : type_of(v)));
  }
  std::optional<int> integer_or_null(const json& v, const std::string& path) const {
    if (v.is_null()) return std::nullopt;
    return integer(v, path);
  }
  std::vector<std::string> strings(const json& v, const std::string& path) const {
    std::vector<std::string> out;
    const json& a = array(v, path);
    for (size_t i = 0; i < a.size(); ++i) out.push_back(string(a[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  StackFrame frame(const json& v, const std::string& path) const {
    object(v, path);
    StackFrame f;
    f.function = string_or_null(field(v, path, "function"), path + ".function");
    f.module = string_or_null(field(v, path, "module"), path + ".module");
    f.file = string_or_null(field(v, path, "file"), path + ".file");
    f.line = integer_or_null(field(v, path, "line"), path + ".line");
    if (const json* o = optional_field(v, "offset")) {
      const std::string s = string(*o, path + ".offset");
      uint64_t value = 0;
      const char* b = s.data() + 2;
      const char* e = s.data() + s.size();
      auto [ptr, ec] = std::from_chars(b, e, value, 16);
      if (s.size() < 3 || s[0] != '0' || s[1] != 'x' || ec != std::errc() || ptr != e)
        fail(path + ".offset", "expected a hexadecimal number like \"0x1a2b\", got \"" + s + "\"");
      f.offset = value;
    }
    if (const json* s = optional_field(v, "signal_frame")) f.signal_frame = boolean(*s, path + ".signal_frame");
    return f;
  }

  Suppressed suppressed(const json& v, const std::string& path) const {
    object(v, path);
    Suppressed s;
    s.file = string(field(v, path, "file"), path + ".file");
    s.line = integer(field(v, path, "line"), path + ".line");
    s.kind = string(field(v, path, "kind"), path + ".kind");
    if (s.kind != "*" && !parse_kind(s.kind)) fail(path + ".kind", "unknown kind \"" + s.kind + "\"");
    s.pattern = string(field(v, path, "pattern"), path + ".pattern");
    return s;
  }

  Finding finding(const json& v, const std::string& path) const {
    object(v, path);
    Finding f;
    const std::string kind = string(field(v, path, "kind"), path + ".kind");
    auto k = parse_kind(kind);
    if (!k) fail(path + ".kind", "unknown kind \"" + kind + "\"");
    f.kind = *k;
    const std::string severity = string(field(v, path, "severity"), path + ".severity");
    if (severity != "error" && severity != "warning")
      fail(path + ".severity", "expected \"error\" or \"warning\", got \"" + severity + "\"");
    f.function = string_or_null(field(v, path, "function"), path + ".function");
    f.signal = string(field(v, path, "signal"), path + ".signal");
    f.handler = string_or_null(field(v, path, "handler"), path + ".handler");
    f.pid = integer(field(v, path, "pid"), path + ".pid");
    f.tid = integer(field(v, path, "tid"), path + ".tid");
    f.count = unsigned_int(field(v, path, "count"), path + ".count");
    const json& stack = array(field(v, path, "stack"), path + ".stack");
    for (size_t i = 0; i < stack.size(); ++i)
      f.stack.push_back(frame(stack[i], path + ".stack[" + std::to_string(i) + "]"));
    if (const json* m = optional_field(v, "message")) {
      f.message = string(*m, path + ".message");
    } else {
      f.message = f.function.value_or("<unknown function>") + " in handler " +
                  f.handler.value_or("<unknown>") + " for " + f.signal;
    }
    if (const json* p = optional_field(v, "pids")) {
      const json& a = array(*p, path + ".pids");
      for (size_t i = 0; i < a.size(); ++i)
        f.pids.push_back(integer(a[i], path + ".pids[" + std::to_string(i) + "]"));
    } else {
      f.pids.push_back(f.pid);
    }
    if (const json* h = optional_field(v, "handler_frame"); h && !h->is_null())
      f.handler_frame = frame(*h, path + ".handler_frame");
    if (const json* s = optional_field(v, "fatal_signal"))
      f.fatal_signal = string_or_null(*s, path + ".fatal_signal");
    if (const json* s = optional_field(v, "nested_signal"))
      f.nested_signal = string_or_null(*s, path + ".nested_signal");
    if (const json* s = optional_field(v, "errno_before"))
      f.errno_before = integer_or_null(*s, path + ".errno_before");
    if (const json* s = optional_field(v, "errno_after"))
      f.errno_after = integer_or_null(*s, path + ".errno_after");
    if (const json* s = optional_field(v, "suppressed"); s && !s->is_null())
      f.suppressed = suppressed(*s, path + ".suppressed");
    if (const json* c = optional_field(v, "calls")) {
      const json& a = array(*c, path + ".calls");
      for (size_t i = 0; i < a.size(); ++i) f.calls.push_back(string(a[i], path + ".calls[" + std::to_string(i) + "]"));
    }
    for (auto [name, field] : {std::pair{"exception", &Finding::exception},
                               std::pair{"exception_message", &Finding::exception_message},
                               std::pair{"cause", &Finding::cause}})
      if (const json* s = optional_field(v, name)) f.*field = string_or_null(*s, path + "." + name);
    return f;
  }

  TimelineEvent event(const json& v, const std::string& p, size_t findings) const {
    object(v, p);
    TimelineEvent e;
    const std::string kind = string(field(v, p, "kind"), p + ".kind");
    auto k = parse_event_kind(kind);
    if (!k) fail(p + ".kind", "unknown event kind \"" + kind + "\" (want injection, handler or finding)");
    e.kind = *k;
    e.t_ns = unsigned_int(field(v, p, "t_ns"), p + ".t_ns");
    e.pid = integer(field(v, p, "pid"), p + ".pid");
    e.tid = integer(field(v, p, "tid"), p + ".tid");
    e.signal = string(field(v, p, "signal"), p + ".signal");
    if (const json* x = optional_field(v, "enter_ns")) e.enter_ns = unsigned_int(*x, p + ".enter_ns");
    if (const json* x = optional_field(v, "end_ns"); x && !x->is_null()) e.end_ns = unsigned_int(*x, p + ".end_ns");
    if (const json* x = optional_field(v, "handler")) e.handler = string_or_null(*x, p + ".handler");
    if (const json* x = optional_field(v, "interrupted")) e.interrupted = string_or_null(*x, p + ".interrupted");
    if (const json* x = optional_field(v, "depth")) e.depth = integer(*x, p + ".depth");
    if (const json* x = optional_field(v, "spec")) e.spec = string_or_null(*x, p + ".spec");
    if (const json* x = optional_field(v, "finding"); x && !x->is_null()) {
      const uint64_t i = unsigned_int(*x, p + ".finding");
      if (i >= findings) fail(p + ".finding", "no finding " + std::to_string(i) + " (there are " + std::to_string(findings) + ")");
      e.finding = static_cast<size_t>(i);
    }
    return e;
  }

  Timeline timeline(const json& v, size_t findings) const {
    object(v, "timeline");
    Timeline t;
    t.seen = unsigned_int(field(v, "timeline", "seen"), "timeline.seen");
    t.kept = unsigned_int(field(v, "timeline", "kept"), "timeline.kept");
    const json& events = array(field(v, "timeline", "events"), "timeline.events");
    for (size_t i = 0; i < events.size(); ++i)
      t.events.push_back(event(events[i], "timeline.events[" + std::to_string(i) + "]", findings));
    return t;
  }

  Report report(const json& root) const {
    object(root, "top level");
    Report r;
    r.version = string(field(root, "top level", "sigstorm"), "sigstorm");
    r.argv = strings(field(root, "top level", "argv"), "argv");
    r.seed = unsigned_int(field(root, "top level", "seed"), "seed");
    const json& exit = object(field(root, "top level", "exit"), "exit");
    r.exit.code = integer_or_null(field(exit, "exit", "code"), "exit.code");
    r.exit.signal = string_or_null(field(exit, "exit", "signal"), "exit.signal");
    if (const json* c = optional_field(exit, "cause")) r.exit.cause = string_or_null(*c, "exit.cause");

    const json& inj = array(field(root, "top level", "injections"), "injections");
    for (size_t i = 0; i < inj.size(); ++i) {
      const std::string p = "injections[" + std::to_string(i) + "]";
      object(inj[i], p);
      InjectionStat s;
      s.spec = string(field(inj[i], p, "spec"), p + ".spec");
      s.fired = unsigned_int(field(inj[i], p, "fired"), p + ".fired");
      if (const json* procs = optional_field(inj[i], "processes")) {
        array(*procs, p + ".processes");
        for (size_t k = 0; k < procs->size(); ++k) {
          const std::string pp = p + ".processes[" + std::to_string(k) + "]";
          const json& o = object((*procs)[k], pp);
          s.processes.push_back({integer(field(o, pp, "pid"), pp + ".pid"),
                                 unsigned_int(field(o, pp, "fired"), pp + ".fired")});
        }
      }
      r.injections.push_back(std::move(s));
    }

    const json& findings = array(field(root, "top level", "findings"), "findings");
    for (size_t i = 0; i < findings.size(); ++i)
      r.findings.push_back(finding(findings[i], "findings[" + std::to_string(i) + "]"));

    if (const json* procs = optional_field(root, "processes")) {
      array(*procs, "processes");
      for (size_t i = 0; i < procs->size(); ++i) {
        const std::string p = "processes[" + std::to_string(i) + "]";
        const json& o = object((*procs)[i], p);
        ProcessInfo info;
        info.pid = integer(field(o, p, "pid"), p + ".pid");
        info.ppid = integer(field(o, p, "ppid"), p + ".ppid");
        info.exe = string(field(o, p, "exe"), p + ".exe");
        if (const json* u = optional_field(o, "unchecked_handlers"))
          info.unchecked_handlers = static_cast<uint32_t>(unsigned_int(*u, p + ".unchecked_handlers"));
        r.processes.push_back(std::move(info));
      }
    }
    if (const json* hs = optional_field(root, "handlers")) {
      array(*hs, "handlers");
      for (size_t i = 0; i < hs->size(); ++i) {
        const std::string p = "handlers[" + std::to_string(i) + "]";
        const json& o = object((*hs)[i], p);
        HandlerStat h;
        h.signal = string(field(o, p, "signal"), p + ".signal");
        h.handler = string_or_null(field(o, p, "handler"), p + ".handler");
        if (const json* f = optional_field(o, "handler_frame"); f && !f->is_null())
          h.handler_frame = frame(*f, p + ".handler_frame");
        h.ran = unsigned_int(field(o, p, "ran"), p + ".ran");
        if (const json* a = optional_field(o, "at_call")) h.at_call = unsigned_int(*a, p + ".at_call");
        if (const json* a = optional_field(o, "in_syscall")) h.in_syscall = unsigned_int(*a, p + ".in_syscall");
        if (const json* n = optional_field(o, "interrupted")) h.interrupted = strings(*n, p + ".interrupted");
        if (const json* ps = optional_field(o, "pids")) {
          array(*ps, p + ".pids");
          for (size_t k = 0; k < ps->size(); ++k) h.pids.push_back(integer((*ps)[k], p + ".pids[" + std::to_string(k) + "]"));
        }
        r.handlers.push_back(std::move(h));
      }
    }
    if (const json* us = optional_field(root, "suppressions")) {
      array(*us, "suppressions");
      for (size_t i = 0; i < us->size(); ++i) {
        const std::string p = "suppressions[" + std::to_string(i) + "]";
        Report::SuppressionUse u{suppressed((*us)[i], p), 0};
        if (const json* m = optional_field((*us)[i], "matched")) u.matched = unsigned_int(*m, p + ".matched");
        r.suppressions.push_back(std::move(u));
      }
    }
    if (const json* d = optional_field(root, "dropped")) r.dropped = unsigned_int(*d, "dropped");
    if (const json* n = optional_field(root, "notes")) r.notes = strings(*n, "notes");
    if (const json* c = optional_field(root, "checks")) {
      r.checks = strings(*c, "checks");
      for (size_t i = 0; i < r.checks.size(); ++i)
        if (!parse_kind(r.checks[i]))
          fail("checks[" + std::to_string(i) + "]", "unknown check \"" + r.checks[i] + "\"");
    }
    if (const json* p = optional_field(root, "policy")) {
      r.policy = string(*p, "policy");
      if (r.policy != "posix" && r.policy != "linux")
        fail("policy", "expected \"posix\" or \"linux\", got \"" + r.policy + "\"");
    }
    if (const json* h = optional_field(root, "hang_timeout")) {
      const std::string s = string(*h, "hang_timeout");
      auto ns = parse_duration(s);
      if (!ns) fail("hang_timeout", "expected a duration like \"2s\", got \"" + s + "\"");
      r.hang_timeout_ns = *ns;
    }
    if (const json* t = optional_field(root, "timeout")) {
      const std::string s = string(*t, "timeout");
      auto ns = parse_duration(s);
      if (!ns) fail("timeout", "expected a duration like \"5s\", got \"" + s + "\"");
      r.timeout_ns = *ns;
    }
    if (const json* st = optional_field(root, "status")) r.status = integer(*st, "status");
    if (const json* e = optional_field(root, "run_ended")) {
      if (!e->is_boolean()) fail("run_ended", "expected true or false, got " + type_of(*e));
      r.run_ended = e->get<bool>();
    }
    if (const json* k = optional_field(root, "kill_after")) {
      const std::string s = string(*k, "kill_after");
      auto ns = parse_duration(s);
      if (!ns) fail("kill_after", "expected a duration like \"1s\", got \"" + s + "\"");
      r.kill_after_ns = *ns;
    }
    if (const json* t = optional_field(root, "time_scale")) {
      if (!t->is_number()) fail("time_scale", "expected a number, got " + type_of(*t));
      r.time_scale = t->get<double>();
    }
    if (const json* t = optional_field(root, "timeline")) r.timeline = timeline(*t, r.findings.size());
    return r;
  }

 private:
  std::string name_;
};

}  // namespace

Report read_json_report(std::string_view text, std::string_view name) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos && what.rfind("[json.exception", 0) == 0)
      what = what.substr(p + 2);
    throw Error(std::string(name) + ": not a JSON report: " + what);
  }
  return Reader(name).report(root);
}

}  // namespace sigstorm
