// SARIF 2.1.0: one rule per finding kind, one result per (merged) finding,
// its stack as a SARIF stack, its location the innermost frame with a file.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "inject/options/checks.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kSchema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr const char* kInformationUri = "https://github.com/sigstorm/sigstorm";

// "unsafe-call" -> "UnsafeCall"
std::string camel_case(std::string_view id) {
  std::string out;
  bool up = true;
  for (char c : id) {
    if (c == '-') {
      up = true;
      continue;
    }
    out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    up = false;
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters and '/'.
std::string uri_path(std::string_view path) {
  static const char* hexd = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hexd[c >> 4];
      out += hexd[c & 15];
    }
  }
  return out;
}

std::string clean_base(std::string_view base_dir) {
  std::string b(base_dir);
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b;
}

// The rule's name must differ from its id, case aside (SARIF1001):
// "reentrancy" -> "HandlerReentrancy".
std::string rule_name(std::string_view id) {
  const std::string name = camel_case(id);
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower == id ? "Handler" + name : name;
}

json artifact(const std::string& path, const std::string& base) {
  if (!base.empty() && base != "/" && base[0] == '/') {
    const std::string rel = short_path(path, base);
    if (rel != path) return json{{"uri", uri_path(rel)}, {"uriBaseId", "SRCROOT"}};
  }
  if (!path.empty() && path[0] == '/') return json{{"uri", "file://" + uri_path(path)}};
  return json{{"uri", uri_path(path)}};
}

json physical(const StackFrame& f, const std::string& base) {
  json p;
  if (f.file) {
    p["artifactLocation"] = artifact(*f.file, base);
    if (f.line && *f.line > 0) p["region"] = json{{"startLine", *f.line}};
  } else if (f.module) {
    p["artifactLocation"] = artifact(*f.module, base);
  }
  return p;
}

json location(const StackFrame& f, const std::string& base) {
  json loc;
  if (f.file || f.module) loc["physicalLocation"] = physical(f, base);
  if (f.function)
    loc["logicalLocations"] = json::array({json{{"name", *f.function}, {"kind", "function"}}});
  return loc;
}

// Where to look: the program's own line, the one that called malloc or
// printf, not the C library's source. In order: the innermost frame with a
// file under the source root; else with a file outside the system's
// libraries; else with any file; else the handler itself; else the top.
const StackFrame* primary_frame(const Finding& f, const std::string& base) {
  auto first = [&](auto&& ok) -> const StackFrame* {
    for (const StackFrame& fr : f.stack)
      if (!fr.signal_frame && fr.file && ok(fr)) return &fr;
    return nullptr;
  };
  const bool rooted = !base.empty() && base != "/" && base[0] == '/';
  if (const StackFrame* s = rooted ? first([&](const StackFrame& fr) { return short_path(*fr.file, base) != *fr.file; })
                                   : nullptr)
    return s;
  if (const StackFrame* s = first([](const StackFrame& fr) { return !system_module(fr.module); })) return s;
  if (const StackFrame* s = first([](const StackFrame&) { return true; })) return s;
  if (f.handler_frame) return &*f.handler_frame;
  return f.stack.empty() ? nullptr : &f.stack.front();
}

// The same finding gets the same fingerprint in every run and on every
// machine: kind, function, handler and the primary file (relative to the
// source root, else its base name); no pids, counts, addresses or lines.
std::string fingerprint(const Finding& f, const StackFrame* where, const std::string& base) {
  std::string file;
  if (where && where->file) {
    file = short_path(*where->file, base);
    if (file == *where->file) file = file.substr(file.rfind('/') + 1);
  }
  const std::string key = std::string(kind_name(f.kind)) + '\0' + f.function.value_or("") + '\0' +
                          f.handler.value_or("") + '\0' + file;
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ull;
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string frame_text(const StackFrame& f) {
  if (f.signal_frame) return "<signal handler called>";
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(f.offset));
  if (f.function) return *f.function;
  return f.module ? *f.module + "+" + buf : std::string(buf);
}

// The stack as GitHub shows a path: a thread flow in execution order, the
// outermost call first and the call the finding is about last (a SARIF
// stack lists the same frames innermost first). Frames outside the source
// root keep only their names: their files are not in the repository.
json code_flow(const Finding& f, const std::string& base) {
  json locations = json::array();
  const size_t n = f.stack.size();
  for (size_t i = n; i-- > 0;) {
    const StackFrame& fr = f.stack[i];
    json loc;
    const bool rooted = fr.file && base.size() > 1 && base[0] == '/' && short_path(*fr.file, base) != *fr.file;
    if (rooted) loc["physicalLocation"] = physical(fr, base);
    if (fr.function && !fr.signal_frame)
      loc["logicalLocations"] = json::array({json{{"name", *fr.function}, {"kind", "function"}}});
    std::string text = frame_text(fr);
    if (fr.signal_frame && fr.function && fr.function->find("restore_rt") == std::string::npos)
      text = f.signal + " arrived; the handler interrupted " + *fr.function;
    if (!rooted && !fr.signal_frame) {
      if (fr.file) text += " (" + *fr.file + (fr.line ? ":" + std::to_string(*fr.line) : "") + ")";
      else if (fr.module && fr.function) text += " (" + *fr.module + ")";
    }
    loc["message"] = json{{"text", text}};
    locations.push_back(json{{"location", loc},
                             {"nestingLevel", static_cast<int>(n - 1 - i)},
                             {"executionOrder", static_cast<int>(n - i)},
                             {"importance", i == 0 || rooted ? "essential" : "unimportant"}});
  }
  return json{{"message", json{{"text", std::string(kind_name(f.kind)) + ": " + f.message}}},
              {"threadFlows", json::array({json{{"locations", locations}}})}};
}

}  // namespace

std::string write_sarif(const Report& r, std::string_view base_dir) {
  const std::string base = clean_base(base_dir);
  json rules = json::array();
  for (wire::Kind k : all_kinds()) {
    rules.push_back(json{
        {"id", kind_name(k)},
        {"name", rule_name(kind_name(k))},
        {"shortDescription", json{{"text", kind_title(k)}}},
        {"fullDescription", json{{"text", kind_help(k)}}},
        {"help", json{{"text", std::string(kind_title(k)) + ": " + std::string(kind_help(k)) + "."},
                      {"markdown", "**" + std::string(kind_title(k)) + "**: " + std::string(kind_help(k)) + "."}}},
        {"defaultConfiguration", json{{"level", severity_name(k)}}},
        {"helpUri", std::string(kInformationUri)},
    });
  }

  json results = json::array();
  for (const Finding& f : r.findings) {
    json res;
    res["ruleId"] = kind_name(f.kind);
    res["ruleIndex"] = static_cast<int>(f.kind) - 1;
    res["level"] = severity_name(f.kind);
    res["message"] = json{{"text", std::string(kind_name(f.kind)) + ": " + f.message}};
    const StackFrame* where = primary_frame(f, base);
    res["locations"] = where ? json::array({location(*where, base)}) : json::array();
    res["partialFingerprints"] = json{{"sigstormFinding/v1", fingerprint(f, where, base)}};
    json frames = json::array();
    for (const StackFrame& fr : f.stack) {
      json sf;
      json loc = location(fr, base);
      loc["message"] = json{{"text", frame_text(fr)}};
      sf["location"] = loc;
      if (fr.module) sf["module"] = *fr.module;
      if (fr.signal_frame) sf["properties"] = json{{"signalFrame", true}};
      frames.push_back(std::move(sf));
    }
    res["stacks"] = json::array({json{{"message", json{{"text", "stack of pid " + std::to_string(f.pid) +
                                                                     ", tid " + std::to_string(f.tid)}}},
                                      {"frames", frames}}});
    if (!f.stack.empty()) res["codeFlows"] = json::array({code_flow(f, base)});
    if (f.suppressed)
      res["suppressions"] = json::array(
          {json{{"kind", "external"},
                {"status", "accepted"},
                {"justification", "matched " + f.suppressed->file + ":" + std::to_string(f.suppressed->line) + " " +
                                      f.suppressed->kind + ":" + f.suppressed->pattern + " (--suppressions)"}}});
    res["occurrenceCount"] = f.count;
    json props;
    props["signal"] = f.signal;
    props["handler"] = f.handler ? json(*f.handler) : json(nullptr);
    props["function"] = f.function ? json(*f.function) : json(nullptr);
    props["pid"] = f.pid;
    props["tid"] = f.tid;
    props["pids"] = f.pids;
    res["properties"] = props;
    results.push_back(std::move(res));
  }

  // The invocation is sigstorm's: its own exit status, and unsuccessful
  // when it had to end the run (a hung handler, --timeout). The program's
  // own ending is in the properties.
  json invocation;
  invocation["executionSuccessful"] = !r.run_ended;
  if (!r.argv.empty()) invocation["arguments"] = r.argv;
  if (r.status) invocation["exitCode"] = *r.status;
  json program_exit;
  program_exit["code"] = r.exit.code ? json(*r.exit.code) : json(nullptr);
  program_exit["signal"] = r.exit.signal ? json(*r.exit.signal) : json(nullptr);
  invocation["properties"] = json{{"programExit", program_exit}};
  if (!r.notes.empty()) {
    json notes = json::array();
    for (const auto& n : r.notes) notes.push_back(json{{"level", "note"}, {"message", json{{"text", n}}}});
    invocation["toolExecutionNotifications"] = notes;
  }

  json run;
  run["tool"] = json{{"driver", json{{"name", "sigstorm"},
                                     {"version", r.version},
                                     {"semanticVersion", r.version},
                                     {"informationUri", kInformationUri},
                                     {"rules", rules}}}};
  if (!base.empty() && base[0] == '/')
    run["originalUriBaseIds"] =
        json{{"SRCROOT", json{{"uri", "file://" + uri_path(base == "/" ? base : base + "/")}}}};
  run["invocations"] = json::array({invocation});
  run["results"] = results;
  run["properties"] = json{{"seed", r.seed}};

  json log;
  log["$schema"] = kSchema;
  log["version"] = "2.1.0";
  log["runs"] = json::array({run});
  return log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace sigstorm
