// The last stage of a run: the run file and the supervisor's Outcome become
// the report model. `sigstorm run` and `sigstorm fuzz` share it; the
// in-process fuzz harness shares its first part (collect, hang findings).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/report/report.h"
#include "inject/report/symbolize.h"
#include "inject/run/supervisor.h"

namespace sigstorm {

struct RunContext {
  std::vector<std::string> argv;        // the program as given
  std::optional<uint64_t> timeout_ns;   // --timeout
  std::string timeout_note;             // how a timed-out run is described
  uint64_t straggler_grace_ns = 0;
  std::optional<uint64_t> kill_after_ns;  // --kill-after
};

// Findings and notes from the watchdog's events: a hang whose probe went
// unanswered is a finding without a stack.
void add_hangs(Report& report, const std::vector<HangEvent>& hangs, Symbolizer& symbolizer);

// --expect-exit: the no-exit findings get their signal and how it came; a
// program none of whose threads answered the probe gets one without a stack.
void add_no_exit(Report& report, const Outcome& outcome, uint64_t expect_exit_ns);

// Everything: collect (findings, processes, injections), hangs, unchecked
// handlers, deaths in handlers, the exit and its cause, timeout and
// straggler notes.
Report finish_report(const RunFile& run_file, const Outcome& outcome, const ProcessLedger& ledger,
                     const RunContext& context, Symbolizer& symbolizer);

// --signals and --max-findings: findings in handlers for signals outside
// `signal_filter` (bit sig - 1; 0: all) are left out; then at most
// `max_findings` are kept. Each says in a note what it left out.
void narrow_findings(Report& report, uint64_t signal_filter);
void limit_findings(Report& report, std::optional<uint64_t> max_findings);

// The CLI's exit status for a report: --error-exitcode when an error finding
// was made, else the program's own (128 + N for death by signal N).
int exit_status(const Report& report, const Outcome& outcome, int error_exitcode);

}  // namespace sigstorm
