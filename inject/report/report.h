// The report of one run: what `sigstorm run` writes (text, JSON, SARIF,
// HTML) and what `sigstorm report` reads back from JSON. Field names follow
// the JSON report of ../shared/contract.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inject/wire/record_format.h"

namespace sigstorm {

struct StackFrame {
  std::optional<std::string> function;  // demangled; nullopt when unknown
  std::optional<std::string> module;    // path of the ELF file; nullopt when unknown
  std::optional<std::string> file;      // source file as recorded in DWARF
  std::optional<int> line;
  uint64_t offset = 0;        // file offset in module; the absolute address when module is unknown
  bool signal_frame = false;  // the kernel called a signal handler here
  bool operator==(const StackFrame&) const = default;
};

// The suppression line that matched a finding (--suppressions FILE).
struct Suppressed {
  std::string file;     // as given on the command line
  int line = 0;         // 1-based
  std::string kind;     // a kind name or "*"
  std::string pattern;  // the glob
  bool operator==(const Suppressed&) const = default;
};

struct Finding {
  wire::Kind kind = wire::kUnsafeCall;
  std::optional<std::string> function;  // per docs/DESIGN.md
  std::string signal;                   // "SIGUSR1": the signal whose handler ran
  std::optional<std::string> handler;   // the handler's function name
  int pid = 0;                          // first process and thread it was seen in
  int tid = 0;
  uint64_t count = 1;                   // occurrences, summed over merged records
  std::vector<StackFrame> stack;        // innermost first
  std::optional<StackFrame> handler_frame;    // where the handler function is
  std::optional<std::string> fatal_signal;    // handler-crash
  std::optional<std::string> nested_signal;   // reentrancy: the signal that re-entered
  std::optional<int> errno_before;            // errno-clobber
  std::optional<int> errno_after;
  std::vector<std::string> calls;             // unsafe-call: interposed calls the called function made
  std::optional<std::string> exception;          // handler-exception: its type
  std::optional<std::string> exception_message;  // and what it said
  std::optional<std::string> cause;              // default-action: how the signal came ("alarm(10)")
  std::string message;                        // one line, e.g. "printf called from handler ..."
  std::vector<int> pids;                      // every process it was seen in, first first
  std::optional<Suppressed> suppressed;       // matched a suppression: reported, but it does not count
  bool operator==(const Finding&) const = default;
};

struct ExitStatus {
  std::optional<int> code;            // exited with this status
  std::optional<std::string> signal;  // or was ended by this signal ("SIGSEGV")
  std::optional<std::string> cause;   // where that signal came from, when sigstorm knows
  bool operator==(const ExitStatus&) const = default;
};

struct ProcessFired {
  int pid = 0;
  uint64_t fired = 0;
  bool operator==(const ProcessFired&) const = default;
};

struct InjectionStat {
  std::string spec;                    // as given on the command line
  uint64_t fired = 0;                  // summed over processes
  std::vector<ProcessFired> processes; // processes where it fired at least once
  bool operator==(const InjectionStat&) const = default;
};

// A handler that ran: the proof that the run exercised it.
struct HandlerStat {
  std::string signal;                    // "SIGUSR1"
  std::optional<std::string> handler;    // its function
  std::optional<StackFrame> handler_frame;
  uint64_t ran = 0;                      // runs, summed over processes
  uint64_t at_call = 0;                  // of which at an interposed call (a call: injection)
  uint64_t in_syscall = 0;               // of the others, those that interrupted a system call
  std::vector<std::string> interrupted;  // those calls
  std::vector<int> pids;                 // processes it ran in
  bool operator==(const HandlerStat&) const = default;
};

struct ProcessInfo {
  int pid = 0;
  int ppid = 0;
  std::string exe;
  uint32_t unchecked_handlers = 0;  // handlers installed behind the shim's back
  bool operator==(const ProcessInfo&) const = default;
};

// The timeline: what the shim saw happen, in ns since the run started.
enum class EventKind { Injection, Handler, Finding };
std::string_view event_kind_name(EventKind kind);  // "injection", "handler", "finding"
std::optional<EventKind> parse_event_kind(std::string_view name);

struct TimelineEvent {
  EventKind kind = EventKind::Handler;
  uint64_t t_ns = 0;                       // sent; arrived at sigstorm's trampoline; first seen
  std::optional<uint64_t> enter_ns;        // handler: the program's handler called
  std::optional<uint64_t> end_ns;          // handler: it returned (nullopt: never seen returning)
  int pid = 0;
  int tid = 0;                             // 0: sent to the whole process
  std::string signal;
  std::optional<std::string> handler;      // handler, finding
  std::optional<std::string> interrupted;  // handler: the call it interrupted ("read", "system call")
  int depth = 0;                           // handler: handlers already running on the thread
  std::optional<std::string> spec;         // injection: the --inject spec
  std::optional<size_t> finding;           // finding: index into Report::findings
  bool operator==(const TimelineEvent&) const = default;
};

struct Timeline {
  // Injections and handler runs the shim saw, and how many of them the run
  // file kept: all of them, or (a storm) a uniform sample. `events` holds
  // those (less any whose writer died mid-write) and every finding's first
  // sighting.
  uint64_t seen = 0;
  uint64_t kept = 0;
  std::vector<TimelineEvent> events;  // by time
  bool sampled() const { return seen > kept; }
  bool operator==(const Timeline&) const = default;
};

struct Report {
  std::string version;  // sigstorm's version (SIGSTORM_VERSION)
  std::vector<std::string> argv;
  uint64_t seed = 0;
  ExitStatus exit;
  std::vector<InjectionStat> injections;
  std::vector<Finding> findings;  // merged, in order of first occurrence
  std::vector<ProcessInfo> processes;
  std::vector<HandlerStat> handlers;  // every handler that ran, in order of first sight
  uint64_t dropped = 0;           // findings the run file had no room for
  std::vector<std::string> notes; // e.g. "run ended by --timeout after 5s"
  std::vector<std::string> checks;  // kind names that were checked
  std::string policy = "posix";
  uint64_t hang_timeout_ns = 0;
  std::optional<uint64_t> timeout_ns;  // --timeout, when given
  std::optional<uint64_t> kill_after_ns;  // --kill-after, when given
  std::optional<int> status;  // sigstorm's own exit status for the run
  bool run_ended = false;     // sigstorm ended the run (a hung handler, --timeout)
  double time_scale = 1.0;
  // Every suppression line in force, with how many findings it matched
  // (an unused line is named in the text report).
  struct SuppressionUse {
    Suppressed line;
    uint64_t matched = 0;
    bool operator==(const SuppressionUse&) const = default;
  };
  std::vector<SuppressionUse> suppressions;
  // How the text report is written (not part of the JSON report):
  // --gen-suppressions, and --verbosity 1 lists which line matched what.
  bool gen_suppressions = false;
  int verbosity = 0;
  Timeline timeline;
  bool operator==(const Report&) const = default;
};

// Findings that count: suppressed ones are left out of both.
size_t error_count(const Report& report);

// Keeps the findings whose `keep` entry is true, in order; the timeline's
// links to findings follow them (marks of dropped findings go too).
void keep_findings(Report& report, const std::vector<bool>& keep);

// Frames of the system's libraries (and of sigstorm's shim), or of no known
// module: a report folds them; the rest is the program's own code.
bool is_system_frame(const StackFrame& frame);
// The innermost frame in the program's own code: for a call made in a
// handler, the handler's line that made it. nullptr when there is none.
const StackFrame* program_call(const Finding& finding);

// `sigstorm run --seed N ... -- ARGV`: the line that replays the run.
std::string replay_command(const Report& report);
size_t warning_count(const Report& report);
size_t suppressed_count(const Report& report);

enum class Format { Text, Json, Sarif, Html };

// "text", "json", "sarif", "html", or nullopt.
std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);
// From a file name's extension: .json, .sarif, .html/.htm, .txt/.text; else nullopt.
std::optional<Format> format_from_path(std::string_view path);

// Text: sanitizer-style blocks, injection lines, notes, SUMMARY line. Source
// files under base_dir are shown relative to it (pass "" to keep them whole).
// With `color`, ANSI colours for a terminal.
std::string write_text(const Report& report, std::string_view base_dir = {}, bool color = false);
// The contract's JSON report (ordered fields, two-space indent, newline).
std::string write_json(const Report& report);
// SARIF 2.1.0, one rule per kind, one result per finding.
std::string write_sarif(const Report& report, std::string_view base_dir = {});
// One self-contained HTML page, everything escaped.
std::string write_html(const Report& report, std::string_view base_dir = {});
std::string write_report(const Report& report, Format format, std::string_view base_dir = {}, bool color = false);

// Reads a JSON report back. Throws sigstorm::Error with one line naming
// `name` and what is wrong ("r.json: findings[0].kind: unknown kind 'x'").
Report read_json_report(std::string_view text, std::string_view name);

// "0x1a2b": how reports print offsets and addresses.
std::string hex_text(uint64_t value);

// Is this module one of the system's libraries (/usr/lib, /lib, ...)?
bool system_module(const std::optional<std::string>& module);

// Shortens a source path for display: relative to base_dir when under it.
std::string short_path(std::string_view path, std::string_view base_dir);

}  // namespace sigstorm
