// `sigstorm fuzz`: whole-program schedule search. The runs themselves go
// through the run pipeline (cli/fuzz_jobs.h, inject/run/); this file is the
// search:
//
//  1. A first run with every call point counting its hits (Config::fuzz
//     kFuzzArmAll) learns which interposed functions the program reaches,
//     how often, and which signals it has handlers for.
//  2. Then runs with schedules drawn from those points (ScheduleGen); a run
//     whose handlers interrupted something new (Header::interleavings, or a
//     new call point or hit count) joins the corpus, whose schedules are
//     mutated further. --jobs N programs run at once.
//  3. The first error finding stops the search: the schedule is minimized
//     with plain `sigstorm run` semantics (no fuzz flags) and one line that
//     reproduces it goes to stdout; the report of that run goes to stderr
//     (or --report).
#include "cli/fuzz.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli/fuzz_jobs.h"
#include "cli/launch.h"
#include "cli/options.h"
#include "cli/output.h"
#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/functions.h"
#include "inject/options/replay.h"
#include "inject/options/signals.h"
#include "inject/run/program.h"

namespace sigstorm::cli {
namespace {

Options g_options;
CLI::App* g_app = nullptr;

constexpr const char* kFuzzFooter = R"(
Usage: sigstorm fuzz [OPTIONS] [--] PROGRAM [ARGS...]

Runs PROGRAM again and again (its stdin, stdout and stderr on /dev/null),
each time with a different injection schedule: signals it has handlers for,
delivered at interposed calls it was seen to make (call:FUNC,when=N, with
mode=eintr on blocking calls), or while one of its handlers runs. Schedules
that reach new interleavings (which handler interrupted which call site or
handler) are kept and mutated. Each job starts PROGRAM once, stopped before
its main, and forks every run from there (a fork server; the first line
says when it falls back to an exec per run, and why). On the first error
finding the schedule is minimized (exec'd runs, as `sigstorm run` makes),
the report goes to stderr and one line that reproduces it to stdout:
  sigstorm run --seed N --inject SPEC ... -- PROGRAM ARGS

Progress (stderr), as libFuzzer prints it:
  #RUNS  NEW|pulse|DONE  ilv: interleavings seen  pts: call points reached
  corp: schedules kept  exec/s  findings  timeouts

Exit status: --error-exitcode (66) when an error finding was made, else 0;
130 when interrupted; 2 for a usage error.)";

// Signals a schedule may use by default: those with a handler, except the
// crash signals (their handlers are crash reporters) and the shim's probe.
bool injectable_by_default(int sig) {
  return sig > 0 && sig < 65 && sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS &&
         sig != SIGFPE && sig != SIGILL && sig != SIGABRT && sig != SIGRTMAX - wire::kProbeSignalFromMax;
}

// libFuzzer's counter buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+.
int bucket(uint8_t v) {
  if (v >= 128) return 7;
  if (v >= 32) return 6;
  if (v >= 16) return 5;
  if (v >= 8) return 4;
  if (v >= 4) return 3;
  return v - 1;
}

struct Search {
  std::vector<uint8_t> seen = std::vector<uint8_t>(wire::kInterleavings, 0);
  size_t features = 0;
  uint64_t handled = 0;  // signals seen with handlers (bit sig - 1)

  // New interleaving features of a run (and counts them).
  size_t absorb(const wire::Header& h) {
    size_t fresh = 0;
    for (uint32_t i = 0; i < wire::kInterleavings; ++i) {
      const uint8_t v = h.interleavings[i].load(std::memory_order_relaxed);
      if (!v) continue;
      const uint8_t bit = static_cast<uint8_t>(1u << bucket(v));
      if (seen[i] & bit) continue;
      seen[i] |= bit;
      ++fresh;
    }
    features += fresh;
    return fresh;
  }
};

// What a run teaches: call points and their hit counts, handled signals.
bool learn(ScheduleGen& gen, Search& search, const std::vector<ProcessEntry>& procs, bool learn_signals) {
  bool fresh = false;
  const size_t nfn = std::min<size_t>(functions().size(), wire::kMaxFunctions);
  for (size_t fn = 0; fn < nfn; ++fn) {
    uint64_t most = 0;
    for (const ProcessEntry& p : procs) most = std::max<uint64_t>(most, p.calls[fn]);
    fresh |= gen.learn(static_cast<int>(fn), most);
  }
  if (learn_signals) {
    uint64_t mask = 0;
    for (const ProcessEntry& p : procs) mask |= p.expected_caught;
    for (int sig = 1; sig < 65; ++sig) {
      if (!(mask >> (sig - 1) & 1) || (search.handled >> (sig - 1) & 1) || !injectable_by_default(sig)) continue;
      search.handled |= 1ull << (sig - 1);
      gen.add_signal(sig);
      fresh = true;
    }
  }
  return fresh;
}

std::string schedule_text(const Schedule& s) {
  std::string out;
  for (const auto& inj : s) out += (out.empty() ? "" : " ") + std::string(inj.text);
  return out.empty() ? "(none)" : out;
}

void say(const std::string& line) { write_all(STDERR_FILENO, line + "\n"); }

}  // namespace

CLI::App* add_fuzz_command(CLI::App& app) {
  CLI::App* fuzz = app.add_subcommand(
      "fuzz", "Search injection schedules for PROGRAM; print a `sigstorm run` line that reproduces the first finding");
  fuzz->footer(kFuzzFooter);
  g_app = fuzz;
  return fuzz;
}

void add_fuzz_options(CLI::App* fuzz) { add_options(fuzz, g_options, kFuzz); }

int fuzz_command() {
  apply_environment(g_app, &g_options);
  const Settings s = resolve(g_options, kFuzz);
  const wire::Config base = s.to_config();
  const uint64_t seed = base.seed;
  // The reproducer line carries what the runs were made with; a run of
  // the search has its own per-run timeout, not the line's.
  std::vector<std::string> extra =
      replay_options(base.checks, static_cast<wire::Policy>(base.policy), base.hang_timeout_ns, std::nullopt,
                     base.time_scale);

  const Prepared target = prepare(s.command);
  const std::string& program = target.program;
  std::optional<OutputFile> out;
  if (s.report_path) out.emplace(*s.report_path);

  FuzzJobs runner(program, target.path, s.command, target.shim, base, target.sanitizer);
  runner.set_suppressions(&s.suppressions);  // a suppressed finding is not one to stop on
  runner.set_jobs(1);
  runner.set_fork_server(s.fork_server);
  ScheduleGen gen(seed, s.signals);
  Search search;
  const bool learn_signals = s.signals.empty();
  constexpr uint32_t kFuzzFlags = wire::kFuzzArmAll | wire::kFuzzCoverage;

  const uint64_t t0 = monotonic_ns();
  uint64_t runs = 0, timeouts = 0;
  std::vector<Schedule> corpus;
  auto progress = [&](const char* what, const std::string& tail = {}) {
    const double secs = static_cast<double>(monotonic_ns() - t0) / 1e9;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "#%llu\t%-6s ilv: %zu pts: %zu sigs: %zu corp: %zu exec/s: %.0f findings: 0 timeouts: %llu time: %.1fs",
                  static_cast<unsigned long long>(runs), what, search.features, gen.points().size(),
                  gen.signals().size(), corpus.size(), secs > 0 ? static_cast<double>(runs) / secs : 0.0,
                  static_cast<unsigned long long>(timeouts), secs);
    say(buf + (tail.empty() ? std::string() : " S: " + tail));
  };

  // 1. Learn.
  const RunResult first = runner.run_one({}, kFuzzFlags);
  ++runs;
  learn(gen, search, runner.processes(0), learn_signals);
  search.absorb(runner.header(0));
  std::string sigs;
  for (int sig : gen.signals()) sigs += (sigs.empty() ? "" : ",") + signal_name(sig);
  say("sigstorm fuzz: seed " + std::to_string(seed) + "; " + std::to_string(gen.points().size()) +
      " call points reached; signals: " + (sigs.empty() ? std::string("none") : sigs) + "; first run " +
      format_duration(std::max<uint64_t>(first.elapsed_ns / 1000 * 1000, 1000)) + "; runs: " + runner.mode());
  runner.on_fallback([](const std::string& mode) { say("sigstorm fuzz: runs from now on: " + mode); });
  const uint64_t run_timeout =
      s.timeout_ns.value_or(std::max<uint64_t>(first.elapsed_ns * 20, base.hang_timeout_ns + 1'000'000'000ull));
  runner.set_run_timeout(run_timeout);

  std::optional<Schedule> found;
  RunResult found_result;
  if (first.error) {
    found = Schedule{};
    found_result = first;
  } else if (gen.signals().empty()) {
    say("sigstorm fuzz: " + program + " installed no signal handler sigstorm could inject for (name signals with --signals)");
  } else {
    // 2. Search.
    runner.set_jobs(s.jobs);
    progress("INITED");
    uint64_t next_pulse = 2;
    uint64_t last_print = monotonic_ns();
    auto stop_now = [&] {
      if (runner.interrupted()) return true;
      if (s.runs && runs >= *s.runs) return true;
      if (s.max_time_ns && monotonic_ns() - t0 >= *s.max_time_ns) return true;
      return false;
    };
    auto pick = [&]() -> Schedule {
      if (corpus.empty() || gen.next(4) == 0) return gen.random();
      const Schedule& a = corpus[gen.next(corpus.size())];
      const Schedule& b = corpus[gen.next(corpus.size())];
      Schedule m = gen.mutate(a, &b);
      for (uint64_t k = gen.next(3); k > 0; --k) m = gen.mutate(m, &b);
      return m;
    };
    uint64_t launched = runs;
    for (size_t i = 0; i < runner.jobs() && !stop_now() && (!s.runs || launched < *s.runs); ++i) {
      runner.launch(i, pick(), kFuzzFlags);
      ++launched;
    }
    while (!found) {
      const int done = runner.wait_any();
      if (done < 0) break;
      const size_t d = static_cast<size_t>(done);
      ++runs;
      const RunResult rr = runner.examine(d);
      if (rr.timed_out) ++timeouts;
      if (rr.error) {
        found = runner.schedule(d);
        found_result = rr;
        break;
      }
      const bool fresh_points = learn(gen, search, runner.processes(d), learn_signals);
      const size_t fresh = search.absorb(runner.header(d));
      if ((fresh || fresh_points) && !runner.schedule(d).empty()) {
        corpus.push_back(runner.schedule(d));
        progress("NEW", schedule_text(runner.schedule(d)));
        last_print = monotonic_ns();
      } else if (runs >= next_pulse || monotonic_ns() - last_print > 10'000'000'000ull) {
        if (runs >= next_pulse) next_pulse *= 2;
        progress("pulse");
        last_print = monotonic_ns();
      }
      if (!stop_now() && (!s.runs || launched < *s.runs)) {
        runner.launch(d, pick(), kFuzzFlags);
        ++launched;
      }
    }
    for (size_t i = 0; i < runner.jobs(); ++i)
      if (runner.busy(i)) runner.stop(i);
    if (!found) progress("DONE");
  }

  if (!found) {
    const int status = runner.interrupted() ? 128 + runner.interrupted() : 0;
    const std::string line = runner.interrupted()
                                 ? "interrupted after " + std::to_string(runs) + " runs; no error finding"
                                 : "no error finding in " + std::to_string(runs) + " runs (seed " +
                                       std::to_string(seed) + ")";
    say("sigstorm fuzz: " + line);
    if (out) {
      // Always a report, so that code scanning can close an alert the
      // search no longer finds: the last run's, with what the search did.
      Report report = runner.report(0);
      s.present(report);
      report.notes.insert(report.notes.begin(), "sigstorm fuzz: " + line);
      report.status = status;
      out->commit(write_report(report, s.format, s.base_dir(report, s.format), use_color(s.color, -1)));
    }
    return status;
  }

  // 3. Minimize with plain `sigstorm run` semantics, then replay.
  say("sigstorm fuzz: " + std::string(kind_name(found_result.kind)) + " after " + std::to_string(runs) +
      " runs with " + schedule_text(*found) + "; minimizing");
  auto reproduces = [&](const Schedule& sched) {
    if (runner.interrupted()) return false;
    const RunResult rr = runner.run_one(sched, 0);
    return rr.error && rr.kind == found_result.kind;
  };
  Schedule best = *found;
  bool confirmed = false;
  for (int attempt = 0; attempt < 3 && !confirmed; ++attempt) confirmed = reproduces(best);
  if (confirmed) best = minimize(best, reproduces, 48);
  bool replayed = false;
  for (int attempt = 0; attempt < 3 && !replayed && !runner.interrupted(); ++attempt) {
    const RunResult last = runner.run_one(best, 0);
    replayed = last.error && last.kind == found_result.kind;
  }
  if (runner.interrupted()) {
    say("sigstorm fuzz: interrupted while minimizing; the schedule as found:");
    write_all(STDOUT_FILENO, reproducer_line(seed, extra, best, s.command) + "\n");
    return s.error_exitcode;
  }
  Report report = runner.report(0);
  s.present(report);
  report.status = s.error_exitcode;
  if (!replayed)
    report.notes.push_back("the finding did not reproduce when replayed (" + schedule_text(best) +
                           "): the program may not be deterministic under this schedule");
  const std::string text =
      write_report(report, s.format, s.base_dir(report, s.format), use_color(s.color, out ? -1 : STDERR_FILENO));
  if (out) out->commit(text);
  else write_all(STDERR_FILENO, text);
  write_all(STDOUT_FILENO, reproducer_line(seed, extra, best, s.command) + "\n");
  return s.error_exitcode;
}

}  // namespace sigstorm::cli
