#include "cli/options.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/launch.h"
#include "inject/error.h"
#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/env_options.h"
#include "inject/options/functions.h"
#include "inject/options/number.h"
#include "inject/options/replay.h"
#include "inject/options/signals.h"
#include "inject/options/spec.h"
#include "inject/report/source_root.h"

namespace sigstorm::cli {
namespace {

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

struct OptionDef {
  const char* flags;
  const char* type;
  std::string help;
  std::optional<std::string> Options::* field;
  unsigned commands;
  std::vector<std::string> Options::* list = nullptr;  // repeatable instead of `field`
  bool Options::* flag = nullptr;                      // a flag instead of `field`
};

const std::vector<OptionDef>& table() {
  static const std::vector<OptionDef> defs = {
      {"--check", "LIST",
       "Comma list of checks to run (default all): " + format_checks(wire::kAllChecks), &Options::checks,
       kRun | kFuzz},
      {"-o,--report", "FILE",
       "Write the report to FILE instead of a text summary on stderr; nothing is then added to the program's "
       "stdout or stderr",
       &Options::report, kRun},
      {"-o,--report", "FILE", "Write the report of the reproducing run to FILE", &Options::report, kFuzz},
      {"--format", "FORMAT",
       "Report format: text, json, sarif or html (default text, or from FILE's extension: .json, .sarif, .html, "
       ".txt)",
       &Options::format, kRun | kFuzz},
      {"--color", "auto|always|never",
       "Colour the text report: auto (default) when it goes to a terminal and NO_COLOR is unset or empty, always, "
       "or never",
       &Options::color, kRun | kFuzz | kReport},
      {"--seed", "N", "Seed for every random choice (default: random, printed in the report); replays a run",
       &Options::seed, kRun},
      {"--seed", "N", "Seed of the search (default: random, printed); also the --seed of the line", &Options::seed,
       kFuzz},
      {"--hang-timeout", "DUR",
       "A handler running longer than DUR is a handler-hang finding (default " + std::string(kDefaultHangTimeout) +
           ")",
       &Options::hang_timeout, kRun | kFuzz},
      {"--timeout", "DUR",
       "End the whole run after DUR and say so in the report: SIGKILL, or with --kill-after SIGTERM first",
       &Options::timeout, kRun},
      {"--kill-after", "DUR",
       "With --timeout: send the program SIGTERM at the timeout and SIGKILL only DUR later, as timeout -k "
       "does, so that it can finish (flush its statistics, save its state)",
       &Options::kill_after, kRun},
      {"--timeout", "DUR", "End one run after DUR and go on (default: 20x the first run, at least --hang-timeout + 1s)",
       &Options::timeout, kFuzz},
      {"--error-exitcode", "N",
       "Exit status when an error finding was made (default " + std::string(kDefaultErrorExitcodeText) + ")",
       &Options::error_exitcode, kRun | kFuzz},
      {"--time-scale", "F", "Scale the program's alarm/setitimer/timer_settime/ualarm durations by F (>0, e.g. 0.001)",
       &Options::time_scale, kRun | kFuzz},
      {"--policy", "posix|linux",
       "Which calls a handler may make: posix (default) = only POSIX async-signal-safe functions "
       "(signal-safety(7)); linux = also plain system calls in glibc (nanosleep, usleep, readv, ...)",
       &Options::policy, kRun | kFuzz},
      {"--max-findings", "N",
       "Show at most N findings (the first ones); the rest are counted in a note and still set the exit status",
       &Options::max_findings, kRun},
      {"--signals", "LIST",
       "Comma list of signals whose handlers count: findings in handlers for other signals are left out of the "
       "report (and counted in a note)",
       &Options::run_signals, kRun},
      {"--expect-exit", "DUR",
       "Once a termination signal (--exit-signals) reached the program, injected, forwarded by sigstorm or sent "
       "to it from outside, its whole process tree must end within DUR; else a no-exit finding with every "
       "thread's stack, and the run is ended",
       &Options::expect_exit, kRun},
      {"--exit-signals", "LIST",
       "With --expect-exit: the signals that ask the program to end (default " + std::string(kDefaultExitSignals) +
           ")",
       &Options::exit_signals, kRun},
      {"--max-time", "DUR", "Stop searching after DUR (default: no limit)", &Options::max_time, kFuzz},
      {"--runs", "N", "Stop after N runs of PROGRAM (default: no limit)", &Options::runs, kFuzz},
      {"--jobs", "N", "Run N copies of PROGRAM at once (default 1)", &Options::jobs, kFuzz},
      {"--signals", "LIST",
       "Comma list of signals to inject (default: those PROGRAM installs handlers for, crash signals aside)",
       &Options::signals, kFuzz},
      {"--symbolize", "0|1",
       "1 (default): file:line and function names from debug information; 0: function names from the "
       "symbol table and modules only, no DWARF (no file:line)",
       &Options::symbolize, kRun},
      {"--suppressions", "FILE",
       "Findings FILE matches are reported as suppressed and do not count (lines KIND:PATTERN, KIND a kind "
       "or *, PATTERN a glob on the function called, the handler, any frame's function, file or module; # "
       "comments); repeatable",
       nullptr, kRun | kFuzz | kReport, &Options::suppressions},
      {"--gen-suppressions", "",
       "After each finding, print a suppression line that matches it (paste it into a --suppressions file)",
       nullptr, kRun | kFuzz | kReport, nullptr, &Options::gen_suppressions},
      {"--verbosity", "N", "0 (default) or 1: also list which suppression line matched which finding",
       &Options::verbosity, kRun | kFuzz | kReport},
      {"--srcroot", "DIR",
       "SARIF artifact URIs are relative to DIR (originalUriBaseIds SRCROOT); default: the git top level of "
       "the program's sources, else the current directory",
       &Options::srcroot, kRun | kFuzz | kReport},
  };
  return defs;
}

std::vector<int> parse_signal_list(const std::string& list, const char* option = "--signals") {
  std::vector<int> out;
  size_t at = 0;
  for (;;) {
    const size_t comma = list.find(',', at);
    const std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    auto sig = parse_signal(item);
    if (!sig || *sig == SIGKILL || *sig == SIGSTOP)
      throw Error(std::string(option) + " " + squote(list) + ": " +
                  (item.empty() ? "empty item" : "unknown signal " + squote(item)));
    if (std::find(out.begin(), out.end(), *sig) == out.end()) out.push_back(*sig);
    if (comma == std::string::npos) return out;
    at = comma + 1;
  }
}

}  // namespace

void add_table_options(CLI::App* app, Options& o, Command command) {
  for (const OptionDef& d : table()) {
    if (!(d.commands & command)) continue;
    if (d.flag) app->add_flag(d.flags, o.*d.flag, d.help);
    else if (d.list) app->add_option(d.flags, o.*d.list, d.help)->type_name(d.type)->allow_extra_args(false);
    else app->add_option(d.flags, o.*d.field, d.help)->type_name(d.type);
  }
}

ColorMode color_option(const std::optional<std::string>& value) {
  const std::string v = value.value_or("auto");
  if (v == "auto") return ColorMode::Auto;
  if (v == "always") return ColorMode::Always;
  if (v == "never") return ColorMode::Never;
  throw Error("--color " + squote(v) + ": unknown value (want auto, always or never)");
}

bool use_color(ColorMode mode, int fd) {
  if (mode != ColorMode::Auto) return mode == ColorMode::Always;
  const char* no_color = std::getenv("NO_COLOR");
  return !(no_color && *no_color) && fd >= 0 && ::isatty(fd);
}

void add_options(CLI::App* app, Options& o, Command command) {
  if (command == kRun)
    app->add_option("-i,--inject", o.injects, "Inject signals at SPEC (grammar below); repeatable")
        ->type_name("SPEC")
        ->allow_extra_args(false);
  add_table_options(app, o, command);
  if (command == kReport) return;
  if (command == kRun)
    app->add_flag("--no-follow-children", o.no_follow_children,
                  "Check only the program sigstorm starts (and its forks): programs it execs run without the shim");
  if (command == kFuzz)
    app->add_flag("--no-fork-server", o.no_fork_server,
                  "Exec PROGRAM for every run instead of forking copies of it from a fork server stopped before "
                  "its main (slower; the fork server falls back to this by itself where a fork is not faithful)");
  app->add_option("PROGRAM", o.command,
                  "The program and its arguments, after '--' or after the last sigstorm option; options after "
                  "PROGRAM are its own")
      ->type_name("[ARGS]");
  app->positionals_at_end();
}

void apply_environment(CLI::App* sub, Options* options) {
  const char* text = std::getenv("SIGSTORM_OPTIONS");
  if (!text) return;
  const std::vector<EnvOption> env = parse_env_options(text);
  for (const EnvOption& e : env) {
    if (e.key == "help") {
      if (e.value != "0") std::fputs(env_options_help().c_str(), stderr);
      continue;
    }
    if (e.key == "log_path") {
      if (e.value.empty()) throw Error("SIGSTORM_OPTIONS log_path=: empty path");
      if (options) options->log_path = e.value;
      continue;
    }
    CLI::Option* opt = sub->get_option_no_throw(e.flag);
    if (!opt || opt->count() > 0) continue;  // not this subcommand's, or the flag won
    try {
      opt->add_result(e.value);
      opt->run_callback();
      if (options) options->from_env.emplace_back(e.flag, e.key + "=");
    } catch (const CLI::Error& err) {
      throw Error("SIGSTORM_OPTIONS " + e.key + "=" + squote(e.value) + ": " + err.what());
    }
  }
}

namespace {

Settings resolve_fields(const Options& o, Command command) {
  Settings s;
  wire::Config& c = s.config;
  c.checks = wire::kAllChecks;
  if (o.checks) {
    ChecksResult r = parse_checks(*o.checks);
    if (!r.ok) throw Error(r.error);
    c.checks = r.mask;
  }
  const std::string policy = o.policy.value_or("posix");
  auto p = parse_policy(policy);
  if (!p) throw Error("--policy " + squote(policy) + ": unknown policy (want posix or linux)");
  c.policy = *p;
  c.seed = seed_option(o.seed);
  c.hang_timeout_ns =
      o.hang_timeout ? duration_option("--hang-timeout", *o.hang_timeout) : kDefaultHangTimeoutNs;
  if (o.timeout) s.timeout_ns = duration_option("--timeout", *o.timeout);
  if (o.kill_after) {
    if (!o.timeout) throw Error("--kill-after " + squote(*o.kill_after) + ": needs --timeout");
    s.kill_after_ns = duration_option("--kill-after", *o.kill_after);
  }
  s.error_exitcode = o.error_exitcode ? exitcode_option(*o.error_exitcode) : kDefaultErrorExitcode;
  c.time_scale = o.time_scale ? time_scale_option(*o.time_scale) : 1.0;
  if (o.format) {
    auto f = parse_format(*o.format);
    if (!f) throw Error("--format " + squote(*o.format) + ": unknown format (want text, json, sarif or html)");
    s.format = *f;
  } else if (o.report) {
    s.format = format_from_path(*o.report).value_or(Format::Text);
  }
  if (o.report && o.report->empty()) throw Error("--report: empty file name");
  s.color = color_option(o.color);
  s.report_path = o.report;

  if (o.injects.size() > wire::kMaxInjections)
    throw Error("too many --inject specs: " + std::to_string(o.injects.size()) + " (at most " +
                std::to_string(wire::kMaxInjections) + ")");
  for (const std::string& spec : o.injects) {
    SpecResult r = parse_spec(spec);
    if (!r.ok) throw Error(r.error);
    if (!r.warning.empty()) s.warnings.push_back(r.warning);
    c.injections[c.injection_count++] = r.injection;
  }

  if (o.max_time) s.max_time_ns = duration_option("--max-time", *o.max_time);
  if (o.runs) {
    s.runs = parse_u64(*o.runs);
    if (!s.runs || *s.runs == 0) throw Error("--runs " + squote(*o.runs) + ": want a number of runs, 1 or more");
  }
  if (o.jobs) {
    auto j = parse_u64(*o.jobs);
    if (!j || *j == 0 || *j > 256) throw Error("--jobs " + squote(*o.jobs) + ": want 1..256");
    s.jobs = static_cast<size_t>(*j);
  }
  s.fork_server = !o.no_fork_server;
  if (o.signals) s.signals = parse_signal_list(*o.signals);
  if (o.run_signals)
    for (int sig : parse_signal_list(*o.run_signals)) s.signal_filter |= 1ull << (sig - 1);
  if (o.max_findings) {
    s.max_findings = parse_u64(*o.max_findings);
    if (!s.max_findings) throw Error("--max-findings " + squote(*o.max_findings) + ": want a number, 0 or more");
  }
  if (o.no_follow_children) c.flags |= wire::kNoFollowChildren;
  if (o.symbolize) {
    if (*o.symbolize != "0" && *o.symbolize != "1")
      throw Error("--symbolize " + squote(*o.symbolize) + ": want 0 or 1");
    s.symbolize = *o.symbolize == "1";
  }
  s.log_path = o.log_path;
  if (o.exit_signals && !o.expect_exit)
    throw Error("--exit-signals " + squote(*o.exit_signals) + ": needs --expect-exit");
  if (o.expect_exit) {
    c.expect_exit_ns = duration_option("--expect-exit", *o.expect_exit);
    for (int sig : parse_signal_list(o.exit_signals.value_or(std::string(kDefaultExitSignals)), "--exit-signals"))
      c.exit_signals |= 1ull << (sig - 1);
  }

  s.suppressions = Suppressions::load(o.suppressions);
  s.gen_suppressions = o.gen_suppressions;
  if (o.verbosity) {
    auto v = parse_u64(*o.verbosity);
    if (!v || *v > 1) throw Error("--verbosity " + squote(*o.verbosity) + ": want 0 or 1");
    s.verbosity = static_cast<int>(*v);
  }
  if (o.srcroot) {
    if (o.srcroot->empty()) throw Error("--srcroot: empty directory name");
    char* real = ::realpath(o.srcroot->c_str(), nullptr);
    if (!real) throw Error("--srcroot " + squote(*o.srcroot) + ": " + std::strerror(errno));
    s.srcroot = real;
    std::free(real);
    struct stat st {};
    if (::stat(s.srcroot->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw Error("--srcroot " + squote(*o.srcroot) + ": not a directory");
  }

  if (command == kReport) return s;
  if (o.command.empty())
    throw Error(std::string("no program given (usage: sigstorm ") + (command == kRun ? "run" : "fuzz") +
                " [OPTIONS] -- PROGRAM [ARGS...])");
  s.command = o.command;
  return s;
}

}  // namespace

Settings resolve(const Options& o, Command command) {
  try {
    return resolve_fields(o, command);
  } catch (const Error& e) {
    // A value from SIGSTORM_OPTIONS is named as the user wrote it.
    const std::string message = e.what();
    for (const auto& [flag, key] : o.from_env)
      if (message.rfind(flag + " ", 0) == 0) throw Error("SIGSTORM_OPTIONS " + key + message.substr(flag.size() + 1));
    throw;
  }
}

void Settings::present(Report& report) const {
  apply_suppressions(report, suppressions);
  report.gen_suppressions = gen_suppressions;
  report.verbosity = verbosity;
}

std::string Settings::base_dir(const Report& report, Format format) const {
  if (format != Format::Sarif) return current_dir();
  return srcroot ? *srcroot : default_source_root(report, current_dir());
}

std::vector<std::string> Settings::to_argv() const {
  return replay_options(config.checks, static_cast<wire::Policy>(config.policy), config.hang_timeout_ns, timeout_ns,
                        config.time_scale, kill_after_ns);
}

}  // namespace sigstorm::cli
