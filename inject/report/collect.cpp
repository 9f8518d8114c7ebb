#include "inject/report/collect.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/functions.h"
#include "inject/options/signals.h"
#include "inject/report/symbolize.h"
#include "inject/run/run_file.h"

namespace sigstorm {
namespace {

template <size_t N>
std::string bounded(const char (&s)[N]) {
  return std::string(s, strnlen(s, N));
}

std::string plural(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

struct Modules {
  const wire::Header& header;
  std::optional<std::string> path(uint32_t module) const {
    if (module == 0 || module > wire::kMaxModules) return std::nullopt;
    const wire::Module& m = header.modules[module - 1];
    if (m.ready.load(std::memory_order_acquire) == 0) return std::nullopt;
    std::string p = bounded(m.path);
    if (p.empty()) return std::nullopt;
    return p;
  }
};

// A symbol as the handler's source spelled it: demangled, and without the
// ISO C prefix glibc's headers add (sscanf compiles to __isoc99_sscanf).
std::string source_name(std::string_view symbol) {
  for (std::string_view prefix : {"__isoc99_", "__isoc23_"})
    if (symbol.starts_with(prefix) && symbol.size() > prefix.size()) return std::string(symbol.substr(prefix.size()));
  return demangle(symbol);
}

// ThreadSanitizer and MemorySanitizer install their own signal handler and
// call the program's from it (TSan at once, or deferred to a point where
// that is safe): the handler the shim saw is the sanitizer's. The program's
// is the frame the sanitizer's handler called (through TSan's
// CallUserSignalHandler), in the finding's stack.
bool sanitizer_handler_name(const std::string& name) {
  for (std::string_view ours : {"sighandler(int, __sanitizer::", "rtl_sighandler(", "rtl_sigaction(",
                                "SignalHandler(int)", "SignalAction(int, void*, void*)"})
    if (name.rfind(ours, 0) == 0) return true;
  return false;
}

// Returns the sanitizer's handler it replaced. The program's is named at
// its entry, as any handler (the frame is where it made the call).
std::optional<StackFrame> unwrap_sanitizer_handler(Finding& f, Symbolizer& symbolizer) {
  if (!f.handler_frame || !f.handler_frame->module || !f.handler_frame->function ||
      !sanitizer_handler_name(*f.handler_frame->function))
    return std::nullopt;
  for (size_t k = f.stack.size(); k-- > 2;) {
    const StackFrame& fr = f.stack[k];
    if (fr.module != f.handler_frame->module || fr.function != f.handler_frame->function) continue;
    size_t user = k - 1;
    if (f.stack[user].function && f.stack[user].function->find("CallUserSignalHandler") != std::string::npos) --user;
    if (user == 0 || f.stack[user].signal_frame) return std::nullopt;  // frame 0: the called function
    std::optional<StackFrame> theirs = f.handler_frame;
    f.handler_frame = f.stack[user];
    const StackFrame& at = f.stack[user];
    if (at.module && at.offset > 0)
      if (auto entry = symbolizer.function_entry(*at.module, at.offset - 1))  // a return address
        f.handler_frame = symbolizer.frame(at.module, wire::Frame{.offset = *entry, .module = 0, .flags = 0});
    f.handler = f.handler_frame->function;
    return theirs;
  }
  return std::nullopt;
}

// How a handler is named in messages: its function, else where it is.
std::string handler_text(const std::optional<StackFrame>& h) {
  if (!h) return "<unknown>";
  if (h->function) return *h->function;
  if (h->module) return *h->module + "+" + hex_text(h->offset);
  return hex_text(h->offset);
}

std::string message_for(const wire::Record& r, const Finding& f, uint64_t hang_timeout_ns) {
  const std::string h = "handler " + handler_text(f.handler_frame) + " for " + f.signal;
  switch (r.kind) {
    case wire::kUnsafeCall:
    {
      std::string m = f.function.value_or("<unknown function>") + " called from " + h;
      for (size_t i = 0; i < f.calls.size(); ++i) m += (i ? ", " : "; it calls ") + f.calls[i];
      return m;
    }
    case wire::kErrnoClobber:
      return h + " changed errno from " + errno_text(r.errno_before) + " to " + errno_text(r.errno_after);
    case wire::kReentrancy:
      return h + " entered again by " + f.nested_signal.value_or(f.signal) +
             " while already running on this thread";
    case wire::kHandlerHang: {
      std::string m = h + " ran longer than the hang timeout";
      if (hang_timeout_ns) m += " (" + format_duration(hang_timeout_ns) + ")";
      // The interposed call the handler made and never returned from says
      // more than the futex at the top of the stack.
      const auto table = functions();
      if (r.function >= 0 && (size_t)r.function < table.size())
        m += "; blocked in " + std::string(table[r.function].name) + " called from the handler";
      if (!f.stack.empty() && f.stack.front().function && f.stack.front().function != f.handler)
        m += (r.function >= 0 ? ", at " : "; stuck in ") + *f.stack.front().function;
      return m;
    }
    case wire::kHandlerCrash:
      return f.fatal_signal.value_or("a fatal signal") + " in " +
             f.function.value_or("<unknown function>") + " while " + h + " ran";
    case wire::kLongjmpMask:
      return h + " was left by longjmp with " + f.signal + " still blocked (use siglongjmp)";
    case wire::kHandlerException:
      return h + " raised " + f.exception.value_or("an exception") +
             (f.exception_message && !f.exception_message->empty() ? ": " + *f.exception_message : "");
    case wire::kDefaultAction:
      if (r.signal == SIGPIPE)
        return "process killed by SIGPIPE, raised by its own " + f.function.value_or("write") +
               " to a pipe or socket nobody reads any more, with no handler installed (ignore SIGPIPE and "
               "handle EPIPE, or install a handler)";
      return "process killed by " + f.signal + " from its own " + f.cause.value_or("timer") +
             ", by the default action: no handler for " + f.signal + " was installed";
    case wire::kNoExit:
      // The start (which signal, how it came) is the pipeline's: it knows.
      return "thread " + std::to_string(r.tid) +
             (f.stack.empty() || !f.stack.front().function ? std::string(" waits here")
                                                           : " waits in " + *f.stack.front().function);
    default:
      return h;
  }
}

// Injections and handler runs from the run file's events (findings are
// added from their records), by time.
void collect_timeline(const wire::Header& header, Report& report, const std::map<std::pair<int, int>, size_t>& handler_of) {
  Timeline& tl = report.timeline;
  tl.seen = header.events_seen.load(std::memory_order_acquire);
  const uint64_t start = header.start_ns;
  const uint64_t n = std::min<uint64_t>(tl.seen, wire::kMaxEvents);
  tl.kept = n;
  const auto table = functions();
  for (uint64_t i = 0; i < n; ++i) {
    const wire::Event& ev = header.events[i];
    const uint64_t seq = ev.seq.load(std::memory_order_acquire);
    if (seq == 0 || (seq & 1) || ev.t_ns < start) continue;  // empty, or a writer died in it
    TimelineEvent e;
    e.t_ns = ev.t_ns - start;
    e.pid = ev.pid;
    e.tid = ev.tid;
    e.signal = signal_name(ev.signal);
    if (ev.kind == wire::kEventInjection) {
      e.kind = EventKind::Injection;
      if (ev.spec < report.injections.size()) e.spec = report.injections[ev.spec].spec;
    } else if (ev.kind == wire::kEventHandler) {
      e.kind = EventKind::Handler;
      e.enter_ns = e.t_ns + ev.enter_ns;
      const uint64_t end = ev.end_ns.load(std::memory_order_relaxed);
      if (end >= ev.t_ns) e.end_ns = end - start;
      e.depth = ev.depth;
      if (ev.function >= 0 && static_cast<size_t>(ev.function) < table.size())
        e.interrupted = std::string(table[ev.function].name);
      else if (ev.function == wire::kInterruptedSyscall)
        e.interrupted = "system call";
      if (auto h = handler_of.find({ev.pid, ev.signal}); h != handler_of.end())
        e.handler = report.handlers[h->second].handler;
    } else {
      continue;
    }
    tl.events.push_back(std::move(e));
  }
  std::stable_sort(tl.events.begin(), tl.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.t_ns < b.t_ns; });
}

using MergeKey = std::tuple<uint32_t, std::optional<std::string>, std::optional<std::string>, uint64_t>;

std::string lowercase_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

std::optional<std::string> text(const char* s, size_t n) {
  std::string t(s, strnlen(s, n));
  if (t.empty()) return std::nullopt;
  return t;
}

// A Python traceback (wire::Note) as the finding's stack and handler.
void take_note(const wire::Note& n, Finding& f) {
  f.stack.clear();
  for (uint32_t k = 0; k < std::min(n.nframes, wire::kMaxFrames); ++k) {
    StackFrame fr;
    fr.function = text(n.frames[k].function, sizeof n.frames[k].function);
    fr.file = text(n.frames[k].file, sizeof n.frames[k].file);
    if (n.frames[k].line > 0) fr.line = n.frames[k].line;
    fr.signal_frame = n.frames[k].flags & wire::kFrameSignal;
    f.stack.push_back(std::move(fr));
  }
  StackFrame h;
  h.function = text(n.handler, sizeof n.handler);
  h.file = text(n.handler_file, sizeof n.handler_file);
  if (n.handler_line > 0) h.line = n.handler_line;
  f.handler_frame = h;
  f.handler = h.function;
  f.exception = text(n.type, sizeof n.type);
  if (f.exception) f.exception_message = std::string(n.message, strnlen(n.message, sizeof n.message));
}

// How the program armed the timer that killed it: "alarm(10)".
std::string timer_cause(const wire::Record& r) {
  const auto table = functions();
  if (r.function < 0 || static_cast<size_t>(r.function) >= table.size()) return "timer";
  const std::string name(table[r.function].name);
  if (name == "alarm") return name + "(" + std::to_string(r.value / 1'000'000'000ull) + ")";
  if (name == "ualarm") return name + "(" + std::to_string(r.value / 1000) + ")";
  if (name == "setitimer") {
    const char* which = r.signal == SIGVTALRM ? "ITIMER_VIRTUAL" : r.signal == SIGPROF ? "ITIMER_PROF" : "ITIMER_REAL";
    return name + "(" + which + ", " + format_duration(r.value) + ")";
  }
  return name + "(" + format_duration(r.value) + ")";
}

}  // namespace

std::string errno_text(int value) {
  if (value == 0) return "0";
  const char* name = strerrorname_np(value);
  return std::to_string(value) + (name ? " (" + std::string(name) + ")" : "");
}

Finding hang_finding_without_stack(int pid, int tid, int signal, std::optional<StackFrame> handler,
                                   uint64_t hang_timeout_ns) {
  Finding f;
  f.kind = wire::kHandlerHang;
  f.signal = signal_name(signal);
  f.pid = pid;
  f.tid = tid;
  f.pids = {pid};
  f.handler_frame = std::move(handler);
  if (f.handler_frame) f.handler = f.handler_frame->function;
  f.function = f.handler;
  f.message = "handler " + handler_text(f.handler_frame) + " for " + f.signal + " ran longer than the hang timeout";
  if (hang_timeout_ns) f.message += " (" + format_duration(hang_timeout_ns) + ")";
  f.message += "; no stack: the hung handler blocks sigstorm's probe signal";
  return f;
}

std::vector<Finding> deaths_in_handlers(const wire::Header& header, int pid, int signal, Symbolizer& symbolizer) {
  std::vector<Finding> out;
  const Modules modules{header};
  for (const wire::Active& a : header.active) {
    if (a.tid.load(std::memory_order_acquire) == 0 || a.pid != pid || a.signal != signal) continue;
    if (a.since_ns.load(std::memory_order_acquire) == 0) continue;
    Finding f;
    f.kind = wire::kLongjmpMask;
    f.signal = signal_name(signal);
    f.pid = pid;
    f.tid = a.tid.load(std::memory_order_relaxed);
    f.pids = {pid};
    if (a.handler_frame.module != 0) {
      f.handler_frame = symbolizer.frame(modules.path(a.handler_frame.module), a.handler_frame);
      f.handler = f.handler_frame->function;
    }
    f.function = f.handler;
    f.fatal_signal = f.signal;
    if (f.handler_frame) f.stack.push_back(*f.handler_frame);
    f.message = "process killed by " + f.signal + " while handler " + handler_text(f.handler_frame) + " for " +
                f.signal + " had not returned: a jump left it with " + f.signal +
                " still blocked (use siglongjmp), so the next " + f.signal +
                " took the default action";
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::string> exit_cause(const wire::Header& header, const ProcessLedger* ledger, int pid, int signal) {
  const wire::Config& cfg = header.config;
  const uint32_t ninj = std::min<uint32_t>(cfg.injection_count, wire::kMaxInjections);
  std::string specs;
  uint64_t caught = 0;
  bool known = false;
  for (const ProcessEntry& p : all_processes(header, ledger)) {
    if (p.pid != pid) continue;
    known = true;
    caught = p.expected_caught;
    for (uint32_t i = 0; i < ninj; ++i)
      if (cfg.injections[i].signal == signal && p.fired[i] > 0)
        specs += (specs.empty() ? "" : ", ") + bounded(cfg.injections[i].text);
  }
  if (specs.empty()) return std::nullopt;
  std::string cause = "sent by --inject " + specs;
  if (known && !(caught >> (signal - 1) & 1)) cause += "; the program had no handler for it";
  return cause;
}

Report collect(const wire::Header& header, Symbolizer& symbolizer, const ProcessLedger* ledger,
               const RecordFilter& keep) {
  Report report;
  report.version = SIGSTORM_VERSION;
  const wire::Config& cfg = header.config;
  report.seed = cfg.seed;
  for (wire::Kind k : all_kinds())
    if (cfg.checks & wire::check_bit(k)) report.checks.emplace_back(kind_name(k));
  report.policy = std::string(policy_name(cfg.policy == wire::kPolicyLinux ? wire::kPolicyLinux : wire::kPolicyPosix));
  report.hang_timeout_ns = cfg.hang_timeout_ns;
  report.time_scale = cfg.time_scale;

  const Modules modules{header};

  // Processes, and each injection's count per process.
  const uint32_t ninj = std::min<uint32_t>(cfg.injection_count, wire::kMaxInjections);
  report.injections.resize(ninj);
  for (uint32_t i = 0; i < ninj; ++i) report.injections[i].spec = bounded(cfg.injections[i].text);
  const std::vector<ProcessEntry> procs = all_processes(header, ledger);
  uint32_t started = 0;
  std::map<std::tuple<int, std::optional<std::string>, uint64_t>, size_t> handler_index;
  std::map<std::pair<int, int>, size_t> handler_of;  // (pid, signal) -> report.handlers
  for (const ProcessEntry& proc : procs) {
    for (const ProcessEntry::Handled& h : proc.handled) {
      std::optional<StackFrame> frame;
      if (h.handler) frame = symbolizer.frame(modules.path(h.handler->module), *h.handler);
      auto key = std::make_tuple(h.signal, frame ? frame->module : std::nullopt, frame ? frame->offset : 0);
      auto [it, fresh] = handler_index.emplace(key, report.handlers.size());
      if (fresh) {
        HandlerStat st;
        st.signal = signal_name(h.signal);
        st.handler_frame = frame;
        if (frame) st.handler = frame->function;
        report.handlers.push_back(std::move(st));
      }
      handler_of.emplace(std::make_pair(proc.pid, h.signal), it->second);
      HandlerStat& st = report.handlers[it->second];
      st.ran += h.ran;
      st.at_call += h.at_call;
      st.in_syscall += h.in_syscall;
      for (int fn : h.interrupted) {
        if (fn < 0 || static_cast<size_t>(fn) >= functions().size()) continue;
        const std::string name(functions()[fn].name);
        if (std::find(st.interrupted.begin(), st.interrupted.end(), name) == st.interrupted.end())
          st.interrupted.push_back(name);
      }
      if (std::find(st.pids.begin(), st.pids.end(), proc.pid) == st.pids.end()) st.pids.push_back(proc.pid);
    }
    ProcessInfo info;
    info.pid = proc.pid;
    info.ppid = proc.ppid;
    info.exe = proc.exe;
    report.processes.push_back(info);
    started |= proc.started;
    for (uint32_t i = 0; i < ninj; ++i) {
      const uint64_t n = proc.fired[i];
      if (n == 0) continue;
      report.injections[i].fired += n;
      report.injections[i].processes.push_back({proc.pid, n});
    }
  }

  // Interpreter tracebacks, by the record they belong to.
  std::map<size_t, const wire::Note*> notes;
  for (uint32_t i = 0; i < std::min(header.next_note.load(std::memory_order_acquire), wire::kMaxNotes); ++i)
    if (header.notes[i].state.load(std::memory_order_acquire) == wire::kReady)
      notes.emplace(header.notes[i].record, &header.notes[i]);

  // Findings, merged by (kind, function, handler site).
  std::map<MergeKey, size_t> index;
  // (signal, the sanitizer's handler) -> the program's, as findings saw it.
  std::map<std::tuple<std::string, std::optional<std::string>, uint64_t>, StackFrame> unwrapped;
  uint64_t ignored = 0;
  for (const wire::Record* rp : ready_records(header)) {
    const wire::Record& r = *rp;
    if (keep && !keep(static_cast<uint32_t>(rp - header.records), r)) continue;
    const auto known = record_kind(r);
    if (!known) {
      ++ignored;
      continue;
    }
    const wire::Kind kind = *known;
    if (!(cfg.checks & wire::check_bit(kind))) continue;  // a check that was not asked for

    Finding f;
    f.kind = kind;
    f.signal = signal_name(r.signal);
    f.pid = r.pid;
    f.tid = r.tid;
    f.count = std::max<uint64_t>(1, r.count.load(std::memory_order_relaxed));
    const uint32_t nframes = std::min(r.nframes, wire::kMaxFrames);
    for (uint32_t k = 0; k < nframes; ++k)
      f.stack.push_back(symbolizer.frame(modules.path(r.frames[k].module), r.frames[k]));
    if (r.handler.module != 0 || r.handler.offset != 0) {
      f.handler_frame = symbolizer.frame(modules.path(r.handler.module), r.handler);
      f.handler = f.handler_frame->function;
      if (auto theirs = unwrap_sanitizer_handler(f, symbolizer))
        unwrapped.emplace(std::make_tuple(f.signal, theirs->module, theirs->offset), *f.handler_frame);
    }
    switch (kind) {
      case wire::kUnsafeCall: {
        std::string name;
        if (r.function >= 0 && static_cast<size_t>(r.function) < functions().size())
          name = std::string(functions()[r.function].name);
        else if (r.symbol[0])  // the audit library's stub: the symbol the handler's code called
          name = source_name(std::string_view(r.symbol, strnlen(r.symbol, sizeof r.symbol)));
        for (size_t fn = 0; fn < functions().size() && fn < wire::kMaxFunctions; ++fn)
          if (r.inner[fn / 64].load(std::memory_order_relaxed) & (1ull << (fn % 64)))
            f.calls.emplace_back(functions()[fn].name);
        if (!name.empty()) f.function = name;
        else if (!f.stack.empty()) f.function = f.stack.front().function;
        // Frame 0 is the called function itself: name it as the program
        // called it, not by the library's internal alias (__printf, __GI_exit).
        if (f.function && !f.stack.empty() && f.stack.front().module && !f.stack.front().signal_frame)
          f.stack.front().function = f.function;
        break;
      }
      case wire::kHandlerCrash:
        if (!f.stack.empty()) f.function = f.stack.front().function;
        f.fatal_signal = signal_name(r.aux_signal);
        break;
      case wire::kErrnoClobber:
        f.function = f.handler;
        f.errno_before = r.errno_before;
        f.errno_after = r.errno_after;
        break;
      case wire::kReentrancy:
        f.function = f.handler;
        if (r.aux_signal > 0) f.nested_signal = signal_name(r.aux_signal);
        break;
      case wire::kHandlerException:
        if (auto n = notes.find(static_cast<size_t>(rp - header.records)); n != notes.end()) take_note(*n->second, f);
        if (!f.stack.empty()) f.function = f.stack.front().function;
        break;
      case wire::kDefaultAction:
        if (r.signal == SIGPIPE) {
          // The write as the program called it, not glibc's alias of it.
          if (!f.stack.empty() && f.stack.front().function) {
            std::string name = *f.stack.front().function;
            for (std::string_view prefix : {"__GI___libc_", "__libc_", "__GI_", "__"})
              if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size()) name = name.substr(prefix.size());
            f.stack.front().function = f.function = name;
          }
          f.cause = "SIGPIPE from " + f.function.value_or("a write");
        } else {
          // A Python program's signal.alarm: its Python stack (the note).
          if (auto n = notes.find(static_cast<size_t>(rp - header.records)); n != notes.end()) {
            take_note(*n->second, f);
            f.handler.reset();
            f.handler_frame.reset();
          }
          f.cause = timer_cause(r);
          if (r.function >= 0 && static_cast<size_t>(r.function) < functions().size())
            f.function = std::string(functions()[r.function].name);
        }
        break;
      case wire::kNoExit:
        // A Python thread's stack (the note) names the thread where a
        // handler would be named: "Current thread 0x7f...".
        if (auto n = notes.find(static_cast<size_t>(rp - header.records)); n != notes.end()) {
          take_note(*n->second, f);
          if (!f.stack.empty()) f.function = f.stack.front().function;
          f.message = "Python " + lowercase_first(f.handler.value_or("thread")) +
                      (f.function ? " waits in " + *f.function : std::string(" waits here"));
          f.handler.reset();
          f.handler_frame.reset();
          f.exception.reset();
          f.exception_message.reset();
        }
        if (!f.stack.empty()) f.function = f.stack.front().function;
        break;
      default:
        f.function = f.handler;
        break;
    }
    if (f.message.empty()) f.message = message_for(r, f, cfg.hang_timeout_ns);
    f.pids.push_back(f.pid);

    // A Python handler has no module: its file and line say where it is.
    // Each thread of a no-exit is its own finding.
    const auto& hf = f.handler_frame;
    MergeKey key{r.kind, f.function, hf ? (hf->module ? hf->module : hf->file) : std::nullopt,
                 kind == wire::kNoExit ? static_cast<uint64_t>(r.pid) << 32 | static_cast<uint32_t>(r.tid)
                 : hf ? (hf->module ? hf->offset : static_cast<uint64_t>(hf->line.value_or(0)))
                      : 0};
    auto [it, fresh] = index.emplace(std::move(key), report.findings.size());
    if (r.first_ns >= header.start_ns && header.start_ns) {
      TimelineEvent e;
      e.kind = EventKind::Finding;
      e.t_ns = r.first_ns - header.start_ns;
      e.pid = r.pid;
      e.tid = r.tid;
      e.signal = f.signal;
      e.handler = f.handler;
      e.finding = it->second;
      report.timeline.events.push_back(std::move(e));
    }
    if (fresh) {
      report.findings.push_back(std::move(f));
    } else {
      Finding& first = report.findings[it->second];
      first.count += f.count;
      if (std::find(first.pids.begin(), first.pids.end(), f.pid) == first.pids.end())
        first.pids.push_back(f.pid);
    }
  }

  collect_timeline(header, report, handler_of);
  // A handler that ran as a sanitizer's: named as its findings name it.
  for (HandlerStat& st : report.handlers) {
    if (!st.handler_frame) continue;
    const auto key = std::make_tuple(st.signal, st.handler_frame->module, st.handler_frame->offset);
    if (auto u = unwrapped.find(key); u != unwrapped.end()) {
      st.handler_frame = u->second;
      st.handler = u->second.function;
    }
  }

  // The retry-loop guard of mode=eintr specs without when=, p= or max=.
  for (uint32_t i = 0; i < ninj; ++i) {
    const wire::Injection& inj = cfg.injections[i];
    if (!(inj.flags & wire::kInjImplicitMax)) continue;
    for (const ProcessFired& pf : report.injections[i].processes)
      if (pf.fired >= inj.max)
        report.notes.push_back(report.injections[i].spec + " stopped after " + std::to_string(inj.max) +
                               " firings in pid " + std::to_string(pf.pid) +
                               ": mode=eintr at every call would never let a loop that retries on EINTR end "
                               "(add when=, p= or max= to choose the calls)");
  }

  // A from=handler clock that never started: say why it never fired.
  for (uint32_t i = 0; i < ninj; ++i) {
    const wire::Injection& inj = cfg.injections[i];
    const bool timed = inj.point == wire::kPointAfter || inj.point == wire::kPointEvery;
    if (!timed || inj.from != wire::kFromHandler || (started >> i & 1) || report.injections[i].fired) continue;
    report.notes.push_back(report.injections[i].spec + " never started: the program never installed a handler or SIG_IGN for " +
                           signal_name(inj.signal) + " (from=handler waits until " + signal_name(inj.signal) +
                           " can no longer end it; from=start does not wait)");
  }

  report.dropped = header.dropped_records.load(std::memory_order_relaxed);
  if (report.dropped)
    report.notes.push_back(plural(report.dropped, "finding was", "findings were") +
                           " dropped: the run file had no room left");
  if (const uint64_t dp = header.dropped_processes.load(std::memory_order_relaxed))
    report.notes.push_back(plural(dp, "process was", "processes were") +
                           " not tracked: the run file had no room left");
  if (ignored)
    report.notes.push_back(plural(ignored, "record", "records") + " of unknown kind ignored");
  return report;
}

}  // namespace sigstorm
