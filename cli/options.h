// The one option layer of `sigstorm run` and `sigstorm fuzz`: one struct,
// one registration (a table), defaults written once (inject/options/replay.h),
// parsers that say what was wrong, to_config() for the run file and
// to_argv() for replay lines. Fields are unset until a source sets them:
// the command line first, then SIGSTORM_OPTIONS (apply_environment), then
// the defaults.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/report/report.h"
#include "inject/report/suppress.h"
#include "inject/wire/record_format.h"

namespace sigstorm::cli {

enum Command : unsigned { kRun = 1, kFuzz = 2, kReport = 4 };

struct Options {
  std::vector<std::string> injects;  // run
  std::optional<std::string> checks, policy, report, format, seed, hang_timeout, timeout, error_exitcode, time_scale;
  std::optional<std::string> color;                                 // run, fuzz, report
  std::optional<std::string> kill_after, max_findings, run_signals;  // run
  std::optional<std::string> expect_exit, exit_signals;             // run
  bool no_follow_children = false;                                  // run
  std::optional<std::string> symbolize;                             // run, fuzz
  std::optional<std::string> log_path;                              // SIGSTORM_OPTIONS only
  std::vector<std::pair<std::string, std::string>> from_env;        // flag, "key=" it came from
  std::optional<std::string> max_time, runs, jobs, signals;  // fuzz
  std::vector<std::string> suppressions;                     // run, fuzz, report
  bool gen_suppressions = false;
  std::optional<std::string> verbosity, srcroot;
  bool no_fork_server = false;                               // fuzz
  std::vector<std::string> command;                          // PROGRAM ARGS...
};

// Registers every option of `command` on its subcommand (kReport: only
// the options about reporting; `sigstorm report` has its own -o and --format).
void add_options(CLI::App* app, Options& options, Command command);
// Only the table's rows for `command` (`sigstorm report` has no program).
void add_table_options(CLI::App* app, Options& options, Command command);

// --color: auto colours the text report when it goes to a terminal and
// NO_COLOR (https://no-color.org) is unset or empty.
enum class ColorMode { Auto, Always, Never };
ColorMode color_option(const std::optional<std::string>& value);  // throws sigstorm::Error
// Colour for a text report written to fd (-1: a file).
bool use_color(ColorMode mode, int fd);

// The second source: fills every option of `sub` the command line left
// unset from SIGSTORM_OPTIONS (its keys stand for flags, env_keys.def),
// sets options.log_path, prints the keys for help=1. Keys whose flag `sub`
// does not have are for the other subcommands and the shim. Throws
// sigstorm::Error for an unknown key or a bad value, naming it.
void apply_environment(CLI::App* sub, Options* options);

// What the options say, checked.
struct Settings {
  wire::Config config{};           // checks, policy, seed, hang timeout, time scale, injections
  Format format = Format::Text;
  ColorMode color = ColorMode::Auto;
  std::optional<std::string> report_path;
  std::optional<uint64_t> timeout_ns;
  std::optional<uint64_t> kill_after_ns;  // --timeout sends SIGTERM first, SIGKILL this much later
  std::optional<uint64_t> max_findings;   // the report shows at most this many
  uint64_t signal_filter = 0;             // --signals for run: findings of these signals' handlers only (bit sig - 1)
  int error_exitcode = 66;
  std::vector<std::string> warnings;  // specs that parse but likely do not do what was meant
  std::optional<uint64_t> max_time_ns, runs;  // fuzz
  size_t jobs = 1;
  bool fork_server = true;  // fuzz: runs are copies forked at the shim's fork point
  std::vector<int> signals;
  std::vector<std::string> command;
  bool symbolize = true;                 // file:line from debug information
  std::optional<std::string> log_path;   // SIGSTORM_OPTIONS log_path: the report goes to PATH.PID
  // How findings are reported (run, fuzz, report).
  Suppressions suppressions;
  bool gen_suppressions = false;
  int verbosity = 0;
  std::optional<std::string> srcroot;  // --srcroot; default: see base_dir()

  // Suppressions, --gen-suppressions and --verbosity applied to a report.
  void present(Report& report) const;
  // The directory a report's source paths are relative to: for SARIF
  // --srcroot or the git top level of the program's sources
  // (inject/report/source_root.h), else the current directory.
  std::string base_dir(const Report& report, Format format) const;

  // The run file's Config of a run (the injections included).
  wire::Config to_config() const { return config; }
  // The options as `sigstorm run` words for a replay line (defaults left out).
  std::vector<std::string> to_argv() const;
};

// Throws sigstorm::Error (one line naming the option) for anything wrong.
Settings resolve(const Options& options, Command command);

}  // namespace sigstorm::cli
