// End-to-end test harness: runs programs (bare or under `sigstorm run`) with
// pipes for stdin/stdout/stderr and a hard timeout, and reads sigstorm's JSON
// report.
//
// Every run gets its own process group; on timeout the whole group is killed
// with SIGKILL and the result says `timed_out`, so a test never hangs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace e2e {

using nlohmann::json;

// ---------------------------------------------------------------- paths
std::string cli_path();                          // build/bin/sigstorm
std::string shim_path();                         // build/lib/libsigstorm.so
std::string target(std::string_view name);       // build/tests/targets/NAME
std::string example(std::string_view name);      // build/examples/NAME
std::string source_path(std::string_view rel);   // SOURCE_DIR/rel
std::string target_source(std::string_view file);   // tests/e2e/targets/FILE
std::string example_source(std::string_view file);  // examples/FILE

// Is the CLI and the shim built? (A test calls REQUIRE_SIGSTORM() first.)
bool sigstorm_built();
#define REQUIRE_SIGSTORM()                                                         \
  ASSERT_TRUE(::e2e::sigstorm_built())                                             \
      << "sigstorm is not built: missing " << ::e2e::cli_path() << " or " << ::e2e::shim_path()

// 1-based line numbers of every line of FILE containing MARKER (empty when
// the file cannot be read). Targets mark interesting lines with comments like
// `// @line:printf-call`, so expectations follow the source when it changes.
std::vector<int> lines_with(const std::string& file, std::string_view marker);
// The single line with MARKER, or -1 (not found or more than one).
int line_of(const std::string& file, std::string_view marker);

// NAME found on PATH (or NAME itself when it has a '/'), or "".
std::string which(const std::string& name);
// The python3 interpreter itself, not a wrapper script (pyenv's python3 is a
// bash script): "" when there is none.
const std::string& python();
// examples/python/NAME.
inline std::string python_example(std::string_view name) {
  return source_path("examples/python/" + std::string(name));
}
// A Python test: sigstorm built, python3 there (else skipped).
#define REQUIRE_PYTHON()                                                         \
  do {                                                                           \
    REQUIRE_SIGSTORM();                                                          \
    if (::e2e::python().empty()) GTEST_SKIP() << "python3 is not installed"; \
  } while (0)

// ---------------------------------------------------------------- running
struct RunOptions {
  std::vector<std::pair<std::string, std::string>> env_set;  // added or replaced
  std::vector<std::string> env_unset;  // removed (LD_PRELOAD and SIGSTORM_* always are)
  std::string stdin_data;              // written to the program's stdin, then closed
  std::chrono::milliseconds timeout{20000};
  std::string cwd;                     // empty: the test's cwd
};

struct RunResult {
  bool started = false;     // fork/exec plumbing worked (exec failure -> exit 127)
  bool exited = false;      // WIFEXITED
  int exit_code = -1;       // when exited
  int term_signal = 0;      // when killed by a signal
  bool timed_out = false;   // killed by the harness
  std::string out;
  std::string err;

  // As a shell reports it: the exit code, or 128 + signal number.
  int shell_status() const { return exited ? exit_code : term_signal ? 128 + term_signal : -1; }
  // "exit 0" / "signal 11 (SIGSEGV)" / "timed out", plus stderr, for messages.
  std::string describe() const;
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// ---------------------------------------------------------------- sigstorm
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
  std::string file(std::string_view name) const { return path + "/" + std::string(name); }
};

struct SigstormRun {
  RunResult result;
  std::string report_path;
  bool report_ok = false;   // the report file existed and parsed as JSON
  std::string report_error; // why not
  json report;              // the parsed report (null when !report_ok)

  // report["findings"] (empty when absent).
  std::vector<json> findings() const;
  std::vector<json> findings(std::string_view kind) const;
  // Findings of KIND whose "function" is FUNCTION.
  std::vector<json> findings(std::string_view kind, std::string_view function) const;
  // Everything a failure message needs: status, stderr, the report.
  std::string describe() const;
};

// `sigstorm run --report DIR/report.json OPTIONS -- PROGRAM...`, then parses
// the report. The report file lives in a fresh temporary directory.
SigstormRun run_sigstorm(const std::vector<std::string>& sigstorm_options,
                         const std::vector<std::string>& program,
                         const RunOptions& options = {});

// The same program bare and under `sigstorm run --report ...`.
struct Comparison {
  RunResult bare;
  SigstormRun storm;
};
Comparison run_both(const std::vector<std::string>& program, const RunOptions& options = {},
                    const std::vector<std::string>& sigstorm_options = {});

// GoogleTest checks that sigstorm changed nothing: same stdout, same stderr
// (nothing added with --report), the CLI's exit status is the program's own
// (128 + signal when it died by one), the report's "exit" says the same, and
// there are no findings. Neither run timed out.
void expect_transparent(const Comparison& c);
// Only the exit parts: the CLI's status and the report's "exit" match BARE.
void expect_same_exit(const RunResult& bare, const SigstormRun& storm, bool findings_expected);

// "SIGSEGV" for 11.
std::string signal_name(int sig);

// ---------------------------------------------------------------- findings
// Does a frame of FINDING's stack name FUNCTION (exactly, or as a C++
// "FUNCTION(...)" signature), in a file ending with FILE_SUFFIX (when given),
// at LINE (when > 0)?
bool has_frame(const json& finding, std::string_view function,
               std::string_view file_suffix = {}, int line = 0);
// Is there a frame in FILE_SUFFIX at LINE, whatever its function?
bool has_frame_at(const json& finding, std::string_view file_suffix, int line);
// Does the finding's function/handler name match NAME (as has_frame does)?
bool name_matches(const json& value, std::string_view name);

// "key=value" lines printed by a target (e.g. "pid=1234") -> value, or "".
std::string field(const std::string& out, std::string_view key);
int int_field(const std::string& out, std::string_view key);  // -1 when absent

// Number of '\n'-terminated lines (a trailing unterminated piece counts too).
int count_lines(const std::string& text);
bool contains_icase(std::string_view haystack, std::string_view needle);

}  // namespace e2e
