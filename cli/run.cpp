#include "cli/run.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "cli/launch.h"
#include "cli/output.h"
#include "inject/error.h"
#include "inject/options/duration.h"
#include "inject/run/pipeline.h"
#include "inject/run/program.h"
#include "inject/run/supervisor.h"

namespace sigstorm::cli {

// How long processes that outlive the program may go on (daemons that stay).
constexpr uint64_t kStragglerGraceNs = 1'000'000'000ull;

// What a TSan build does not get (README, "Sanitizer-built programs"): the
// audit check (clang's), and the handler runs of signals that arrived in running code,
// which TSan makes later from its own code, out of the shim's sight (how
// many).
static void note_tsan_limits(const Prepared& target, Report& report) {
  if (target.sanitizer.name != "ThreadSanitizer") return;
  if (!target.sanitizer.takes_audit() && !report.handlers.empty())
    report.notes.push_back(target.program + " is built with clang's ThreadSanitizer, which the audit check (LD_AUDIT) "
                           "does not load with: its handlers' unsafe-call findings cover only the calls sigstorm "
                           "interposes (sigstorm points)");
  uint64_t deferred = 0;
  for (const HandlerStat& h : report.handlers) deferred += h.ran - std::min(h.ran, h.at_call + h.in_syscall);
  if (deferred)
    report.notes.push_back(target.program + " is built with ThreadSanitizer, which defers a signal that interrupts "
                           "running code and runs the handler later from its own code: " + std::to_string(deferred) +
                           (deferred == 1 ? " such run was" : " such runs were") + " not checked");
}

int run(const Options& options) {
  const Settings s = resolve(options, kRun);
  const Prepared target = prepare(s.command);

  std::optional<OutputFile> out;
  if (s.report_path) out.emplace(*s.report_path);
  if (!out && s.log_path) check_log_path(*s.log_path);
  // Before the program starts; with --report nothing goes to its stderr.
  if (!out)
    for (const std::string& w : s.warnings) write_all(STDERR_FILENO, "sigstorm: warning: " + w + "\n");

  wire::Config config = s.to_config();
  config.cli_pid = getpid();
  // A test knob, not an option: a tiny record store shows the dropped path.
  if (const char* limit = std::getenv("SIGSTORM_RECORD_LIMIT"))
    config.record_limit = static_cast<uint32_t>(std::strtoul(limit, nullptr, 10));
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphans of the run come back to us (the straggler wait)
  RunFile run_file = RunFile::create(config);

  // SIGTERM and SIGHUP are passed on to the program; the terminal's SIGINT
  // and SIGQUIT reach it anyway, and sigstorm waits for it to react. With
  // --expect-exit sigstorm takes those too, to time the program's exit: one
  // from the terminal reached the program as well, one sent to sigstorm
  // alone is passed on.
  const bool expect_exit = config.expect_exit_ns != 0;
  const SignalGate gate(expect_exit ? std::vector<int>{SIGTERM, SIGHUP, SIGINT, SIGQUIT} : std::vector<int>{SIGTERM, SIGHUP},
                        !expect_exit);
  Supervisor supervisor(run_file, gate,
                        SupervisorOptions{.hang_timeout_ns = config.hang_timeout_ns,
                                          .hang_check = (config.checks & wire::check_bit(wire::kHandlerHang)) != 0,
                                          .timeout_ns = s.timeout_ns,
                                          .kill_after_ns = s.kill_after_ns,
                                          .straggler_grace_ns = kStragglerGraceNs,
                                          .expect_exit_ns = config.expect_exit_ns,
                                          .exit_signals = config.exit_signals});
  const ExecImage image(target.path, s.command, child_environment(target.shim, run_file.path(), target.sanitizer, config.checks));
  supervisor.start(image, target.program);
  // As ASan's log_path: the report goes to PATH.PID (the program's pid).
  if (!out && s.log_path) {
    try {
      out.emplace(*s.log_path + "." + std::to_string(supervisor.pid()));
    } catch (const Error& e) {
      throw Failure(e.what());  // the program runs: not a usage error any more
    }
  }
  while (!supervisor.step(monotonic_ns())) {
    siginfo_t info{};
    const int sig = wait_for_step(gate, {&supervisor}, &info);
    if (!sig) continue;
    const bool from_terminal = info.si_code == SI_KERNEL && (sig == SIGINT || sig == SIGQUIT);
    if (!from_terminal) kill(supervisor.pid(), sig);
    supervisor.signal_reached(sig, monotonic_ns(), from_terminal ? "from the terminal" : "passed on by sigstorm");
  }
  const Outcome outcome = supervisor.finish();

  Symbolizer symbolizer(s.symbolize);
  std::string timeout_note;
  if (s.timeout_ns) {
    timeout_note = "run ended by --timeout after " + format_duration(*s.timeout_ns);
    if (outcome.killed_after)
      timeout_note += " (SIGTERM, then SIGKILL " + format_duration(*s.kill_after_ns) + " later)";
    else if (outcome.terminated)
      timeout_note += " (SIGTERM; the program ended within --kill-after " + format_duration(*s.kill_after_ns) + ")";
  }
  const RunContext context{s.command, s.timeout_ns, timeout_note, kStragglerGraceNs, s.kill_after_ns};
  Report report;
  try {
    report = finish_report(run_file, outcome, supervisor.ledger(), context, symbolizer);
  } catch (const Failure&) {
    throw;
  } catch (const Error& e) {
    throw Failure(std::string("the run's report is lost: ") + e.what());  // the program ran: not a usage error
  }
  run_file.remove();
  note_tsan_limits(target, report);
  narrow_findings(report, s.signal_filter);
  s.present(report);  // suppressed findings do not count
  const int status = exit_status(report, outcome, s.error_exitcode);  // hidden findings still count
  limit_findings(report, s.max_findings);
  report.status = status;
  write_report_to(out, write_report(report, s.format, s.base_dir(report, s.format),
                                     use_color(s.color, out ? -1 : STDERR_FILENO)));
  return status;
}

}  // namespace sigstorm::cli
