#include "inject/run/pipeline.h"

#include <sys/wait.h>

#include <algorithm>

#include "inject/options/duration.h"
#include "inject/options/signals.h"
#include "inject/report/collect.h"
#include "inject/run/audit.h"

namespace sigstorm {

void add_hangs(Report& report, const std::vector<HangEvent>& hangs, Symbolizer& symbolizer) {
  for (const HangEvent& ev : hangs) {
    if (!ev.ended) continue;
    report.notes.push_back("run ended: a signal handler in pid " + std::to_string(ev.pid) + " ran longer than " +
                           format_duration(report.hang_timeout_ns) + " (--hang-timeout)");
    const bool found = std::any_of(report.findings.begin(), report.findings.end(), [&](const Finding& f) {
      return f.kind == wire::kHandlerHang && std::find(f.pids.begin(), f.pids.end(), ev.pid) != f.pids.end();
    });
    if (found) continue;
    std::optional<StackFrame> handler;
    if (ev.handler) handler = symbolizer.frame(ev.handler->module, wire::Frame{ev.handler->offset, 1, 0});
    report.findings.push_back(
        hang_finding_without_stack(ev.pid, ev.tid, ev.signal, std::move(handler), report.hang_timeout_ns));
  }
}

void add_no_exit(Report& report, const Outcome& outcome, uint64_t expect_exit_ns) {
  if (!outcome.no_exit || !outcome.no_exit->expired) return;
  const NoExitEvent& ev = *outcome.no_exit;
  const std::string sig = signal_name(ev.signal);
  const std::string start = sig + " reached the program (" + ev.how + ") and it did not end within " +
                            format_duration(expect_exit_ns) + " (--expect-exit): ";
  bool found = false;
  for (Finding& f : report.findings) {
    if (f.kind != wire::kNoExit) continue;
    found = true;
    f.signal = sig;
    f.message = start + f.message;
  }
  if (!found) {
    Finding f;
    f.kind = wire::kNoExit;
    f.signal = sig;
    f.pid = outcome.pid;
    f.pids = {outcome.pid};
    f.message = start + "no stack: no thread answered sigstorm's probe signal (blocked or ignored)";
    report.findings.push_back(std::move(f));
  }
  report.notes.push_back("run ended: " + std::to_string(ev.pids.size()) +
                         (ev.pids.size() == 1 ? " process" : " processes") + " still running " +
                         format_duration(expect_exit_ns) + " after " + sig + " (--expect-exit)");
}

Report finish_report(const RunFile& run_file, const Outcome& outcome, const ProcessLedger& ledger,
                     const RunContext& ctx, Symbolizer& symbolizer) {
  const wire::Header& header = run_file.read();
  Report report = collect(header, symbolizer, &ledger);
  add_hangs(report, outcome.hangs, symbolizer);
  for (const auto& [pid, mask] : outcome.unchecked) {
    std::string exe;
    for (ProcessInfo& p : report.processes) {
      if (p.pid != pid) continue;
      p.unchecked_handlers = static_cast<uint32_t>(__builtin_popcountll(mask));
      exe = p.exe;
    }
    report.notes.push_back("pid " + std::to_string(pid) + (exe.empty() ? "" : " (" + exe + ")") + " catches " +
                           signal_list(mask) +
                           " with a handler sigstorm did not see installed (a raw rt_sigaction?): not checked");
  }
  const int status = outcome.status;
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (header.config.checks & wire::check_bit(wire::kLongjmpMask))
      for (Finding& f : deaths_in_handlers(header, outcome.pid, sig, symbolizer)) report.findings.push_back(std::move(f));
    report.exit.signal = signal_name(sig);
    report.exit.cause = exit_cause(header, &ledger, outcome.pid, sig);
  } else if (WIFEXITED(status)) {
    report.exit.code = WEXITSTATUS(status);
  }
  add_no_exit(report, outcome, header.config.expect_exit_ns);
  report.argv = ctx.argv;
  report.run_ended = outcome.timed_out || (outcome.no_exit && outcome.no_exit->ended) ||
                     std::any_of(outcome.hangs.begin(), outcome.hangs.end(),
                                 [](const HangEvent& ev) { return ev.ended; });
  report.timeout_ns = ctx.timeout_ns;
  report.kill_after_ns = ctx.kill_after_ns;
  if (outcome.timed_out) report.notes.insert(report.notes.begin(), ctx.timeout_note);
  if (outcome.stragglers)
    report.notes.push_back(std::to_string(outcome.stragglers) +
                           (outcome.stragglers == 1 ? " process" : " processes") + " of the run still running " +
                           format_duration(ctx.straggler_grace_ns) +
                           " after the program ended: later findings of theirs are not in this report");
  return report;
}

void narrow_findings(Report& report, uint64_t signal_filter) {
  if (!signal_filter) return;
  size_t left_out = 0;
  std::vector<bool> keep;
  for (const Finding& f : report.findings) {
    const auto sig = parse_signal(f.signal);
    keep.push_back(sig && (signal_filter >> (*sig - 1) & 1));
    left_out += !keep.back();
  }
  keep_findings(report, keep);
  if (left_out)
    report.notes.push_back(std::to_string(left_out) + (left_out == 1 ? " finding" : " findings") +
                           " in handlers for other signals left out (--signals " + signal_list(signal_filter) + ")");
}

void limit_findings(Report& report, std::optional<uint64_t> max_findings) {
  if (!max_findings || report.findings.size() <= *max_findings) return;
  const size_t hidden = report.findings.size() - *max_findings;
  std::vector<bool> keep(report.findings.size(), false);
  std::fill(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(*max_findings), true);
  keep_findings(report, keep);
  report.notes.push_back(std::to_string(hidden) + (hidden == 1 ? " more finding" : " more findings") +
                         " not shown (--max-findings " + std::to_string(*max_findings) + ")");
}

int exit_status(const Report& report, const Outcome& outcome, int error_exitcode) {
  if (error_count(report) > 0) return error_exitcode;
  if (WIFEXITED(outcome.status)) return WEXITSTATUS(outcome.status);
  if (WIFSIGNALED(outcome.status)) return 128 + WTERMSIG(outcome.status);
  return 0;
}

}  // namespace sigstorm
