// `sigstorm fuzz`: the whole-program schedule search finds a race a
// hand-picked injection would rarely hit, prints exactly one `sigstorm run`
// line on stdout, and that line, run again, reproduces the same finding kind.
// The programs are fuzz/programs/*.c (status_race: a status handler that
// calls snprintf only while a batch is running; status_ok: fixed).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "harness.h"

using namespace e2e;

namespace {

std::string program(std::string_view name) { return std::string(SIGSTORM_FUZZ_PROGRAMS) + "/" + std::string(name); }

// Words of a POSIX shell line as reproducer_line() quotes them: bare words
// and '...' with '\'' for a quote.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\n') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      in_word = true;
      for (++i; i < line.size() && line[i] != '\''; ++i) cur += line[i];
    } else if (c == '\\' && i + 1 < line.size()) {
      in_word = true;
      cur += line[++i];
    } else {
      in_word = true;
      cur += c;
    }
  }
  if (in_word) words.push_back(cur);
  return words;
}

// The kinds of the error blocks of a text report ("==PID==ERROR: sigstorm: KIND: ...").
std::vector<std::string> error_kinds(const std::string& text) {
  std::vector<std::string> kinds;
  static const std::regex re(R"(==\d+==ERROR: sigstorm: ([a-z-]+):)");
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) kinds.push_back((*it)[1]);
  return kinds;
}

RunOptions slow() {
  RunOptions o;
  o.timeout = std::chrono::milliseconds(120000);
  return o;
}

// Runs the reproducer LINE with plain `sigstorm run`: it must end with
// status 66 and a finding of KIND (in FUNCTION when given).
void expect_replays(const std::string& line, const std::string& kind, const std::string& function = "") {
  auto words = shell_words(line);
  ASSERT_GE(words.size(), 5u) << line;
  ASSERT_EQ(words[0], "sigstorm");
  ASSERT_EQ(words[1], "run");
  const std::vector<std::string> options(words.begin() + 2, std::find(words.begin(), words.end(), "--"));
  const std::vector<std::string> prog(std::find(words.begin(), words.end(), "--") + 1, words.end());
  auto replay = run_sigstorm(options, prog);
  ASSERT_FALSE(replay.result.timed_out) << replay.describe();
  EXPECT_EQ(replay.result.shell_status(), 66) << line << "\n" << replay.describe();
  ASSERT_TRUE(replay.report_ok) << replay.describe();
  EXPECT_FALSE(replay.findings(kind).empty()) << line << "\n" << replay.describe();
  if (!function.empty()) {
    EXPECT_FALSE(replay.findings(kind, function).empty()) << replay.describe();
  }
}

// The search's summary line says how the runs are made.
std::string runs_mode(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex(R"(; runs: ([^\n]*))"))) return "";
  return m[1];
}

// The same search with the fork server and with --no-fork-server.
struct BothModes {
  RunResult fork, exec;
};
BothModes both_modes(const std::vector<std::string>& args) {
  std::vector<std::string> with{cli_path(), "fuzz"}, without{cli_path(), "fuzz", "--no-fork-server"};
  with.insert(with.end(), args.begin(), args.end());
  without.insert(without.end(), args.begin(), args.end());
  return {run(with, slow()), run(without, slow())};
}

}  // namespace

TEST(FuzzCli, FindsTheRaceAndPrintsALineThatReproducesIt) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--seed", "7", "--max-time", "60s", "--", program("status_race")}, slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_TRUE(r.exited && r.exit_code == 66) << r.describe();
  // Exactly one line on stdout.
  ASSERT_EQ(count_lines(r.out), 1) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  const std::string line = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(line.rfind("sigstorm run --seed 7 ", 0), 0u) << line;
  EXPECT_NE(line.find(" --inject "), std::string::npos) << line;
  EXPECT_NE(line.find(" -- " + program("status_race")), std::string::npos) << line;
  // The report of the finding (stderr) and the libFuzzer-like progress.
  const auto kinds = error_kinds(r.err);
  ASSERT_FALSE(kinds.empty()) << r.err;
  EXPECT_EQ(kinds.front(), "unsafe-call") << r.err;
  EXPECT_NE(r.err.find("snprintf called from handler on_status"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("#1\tINITED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exec/s: "), std::string::npos) << r.err;

  // The line, run again, reproduces the same finding kind.
  for (int attempt = 0; attempt < 2; ++attempt) expect_replays(line, kinds.front(), "snprintf");
  const auto words = shell_words(line);
  ASSERT_NE(std::find(words.begin(), words.end(), "--seed"), words.end()) << line;
  EXPECT_EQ(*(std::find(words.begin(), words.end(), "--seed") + 1), "7") << line;
}

TEST(FuzzCli, ParallelJobsFindItToo) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--seed", "11", "--jobs", "2", "--max-time", "60s", "--",
                      program("status_race")},
                     slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 66) << r.describe();
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_EQ(r.out.rfind("sigstorm run --seed 11 ", 0), 0u) << r.out;
}

TEST(FuzzCli, CorrectProgramHasNoFindingAndNoLine) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--seed", "3", "--runs", "150", "--", program("status_ok")}, slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  EXPECT_EQ(r.out, "") << "nothing on stdout without a finding";
  EXPECT_NE(r.err.find("DONE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no error finding in 150 runs"), std::string::npos) << r.err;
  // Interleaving coverage reached the search: handlers interrupted call sites.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(DONE +ilv: (\d+) pts: (\d+))"))) << r.err;
  EXPECT_GT(std::stoi(m[1]), 2) << r.err;
  EXPECT_GE(std::stoi(m[2]), 3) << "sigaction, open and write were reached\n" << r.err;
}

TEST(FuzzCli, ErrorExitcodeAndReportFile) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const std::string report = dir.file("fuzz.json");
  const auto r = run({cli_path(), "fuzz", "--seed", "5", "--max-time", "60s", "--error-exitcode", "9", "--report",
                      report, "--", program("status_race")},
                     slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 9) << r.describe();
  EXPECT_EQ(error_kinds(r.err).size(), 0u) << "the report went to the file, not stderr\n" << r.err;
  std::ifstream in(report);
  ASSERT_TRUE(in) << report;
  const json j = json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  ASSERT_TRUE(j.contains("findings") && !j["findings"].empty()) << j.dump(1);
  EXPECT_EQ(j["findings"][0].value("kind", ""), "unsafe-call") << j.dump(1);
  ASSERT_TRUE(j.contains("injections") && !j["injections"].empty()) << j.dump(1);
}

TEST(FuzzCli, ProgramWithoutHandlersEndsAtOnce) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--runs", "5", "--", "/bin/true"}, slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  EXPECT_NE(r.err.find("installed no signal handler"), std::string::npos) << r.err;
}

TEST(FuzzCli, UsageErrors) {
  REQUIRE_SIGSTORM();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"fuzz"},
           {"fuzz", "--runs", "0", "--", "/bin/true"},
           {"fuzz", "--jobs", "x", "--", "/bin/true"},
           {"fuzz", "--max-time", "5x", "--", "/bin/true"},
           {"fuzz", "--max-time", "1.5ns", "--", "/bin/true"},
           {"fuzz", "--signals", "USR1,BOGUS", "--", "/bin/true"},
           {"fuzz", "--check", "nope", "--", "/bin/true"},
           {"fuzz", "--", "/nonexistent/program"},
       }) {
    std::vector<std::string> argv{cli_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run(argv);
    EXPECT_EQ(r.shell_status(), 2) << args.size() << " " << r.describe();
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("sigstorm: error: ", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// A clean search still writes its report, so code scanning can close an
// alert that is gone.
TEST(FuzzCli, CleanSearchStillWritesItsReport) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const std::string sarif = d.file("fuzz.sarif");
  const auto r = run({cli_path(), "fuzz", "--seed", "3", "--runs", "20", "--report", sarif, "--", program("status_ok")},
                     slow());
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  std::ifstream in(sarif);
  ASSERT_TRUE(in) << "no report written\n" << r.describe();
  const json s = json::parse(in);
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_EQ(s["runs"][0]["results"].size(), 0u) << s.dump(1);
  EXPECT_EQ(s["runs"][0]["invocations"][0]["exitCode"], 0);
  EXPECT_EQ(s["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

// ---- The fork server (inject/run/fork_server.h, preload/fork_server.cpp) ----

// The search is deterministic for these programs: with the same seed the
// runs forked from the fork server see what exec'd runs see, so the search
// takes the same path and ends with the same line (or the same coverage).
TEST(FuzzForkServer, FindsWhatExecPerRunFinds) {
  REQUIRE_SIGSTORM();
  const auto race = both_modes({"--seed", "7", "--max-time", "60s", "--", program("status_race")});
  EXPECT_EQ(runs_mode(race.fork.err), "fork server") << race.fork.err;
  EXPECT_EQ(runs_mode(race.exec.err), "exec per run (--no-fork-server)") << race.exec.err;
  EXPECT_EQ(race.fork.shell_status(), 66) << race.fork.describe();
  EXPECT_EQ(race.exec.shell_status(), 66) << race.exec.describe();
  ASSERT_EQ(count_lines(race.fork.out), 1) << race.fork.describe();
  EXPECT_EQ(race.fork.out, race.exec.out) << "fork server:\n" << race.fork.err << "\nexec:\n" << race.exec.err;
  EXPECT_EQ(error_kinds(race.fork.err), error_kinds(race.exec.err)) << race.fork.err;
  // Found through the fork server, replayed by plain `sigstorm run`.
  expect_replays(race.fork.out.substr(0, race.fork.out.find('\n')), "unsafe-call", "snprintf");

  const auto ok = both_modes({"--seed", "3", "--runs", "150", "--", program("status_ok")});
  EXPECT_EQ(runs_mode(ok.fork.err), "fork server") << ok.fork.err;
  EXPECT_EQ(ok.fork.shell_status(), 0) << ok.fork.describe();
  EXPECT_EQ(ok.exec.shell_status(), 0) << ok.exec.describe();
  std::smatch f, e;
  const std::regex done(R"(DONE +(ilv: \d+ pts: \d+ sigs: \d+ corp: \d+))");
  ASSERT_TRUE(std::regex_search(ok.fork.err, f, done)) << ok.fork.err;
  ASSERT_TRUE(std::regex_search(ok.exec.err, e, done)) << ok.exec.err;
  EXPECT_EQ(f[1], e[1]) << "the same interleavings, points and corpus\n" << ok.fork.err << "\n" << ok.exec.err;
  EXPECT_GT(std::stoi(f[1].str().substr(5)), 2) << "handlers interrupted call sites in the copies\n" << ok.fork.err;
}

TEST(FuzzForkServer, SameOutcomesOnTheExamples) {
  REQUIRE_SIGSTORM();
  for (const char* name : {"errno_clobber", "errno_saved", "handler_alloc", "handler_prealloc", "hup_server",
                           "shared_handler", "sigint_flag", "sigint_print", "threaded_handler", "eintr_read"}) {
    SCOPED_TRACE(name);
    const auto r = both_modes({"--seed", "5", "--runs", "60", "--timeout", "2s", "--", example(name)});
    EXPECT_EQ(runs_mode(r.fork.err), "fork server") << r.fork.err;
    EXPECT_EQ(r.fork.shell_status(), r.exec.shell_status()) << r.fork.describe() << "\n" << r.exec.describe();
    EXPECT_EQ(r.fork.out, r.exec.out) << r.fork.err << "\n" << r.exec.err;
    EXPECT_EQ(error_kinds(r.fork.err), error_kinds(r.exec.err)) << r.fork.err << "\n" << r.exec.err;
    if (r.fork.shell_status() == 66) {
      ASSERT_FALSE(error_kinds(r.fork.err).empty()) << r.fork.err;
      expect_replays(r.fork.out.substr(0, r.fork.out.find('\n')), error_kinds(r.fork.err).front());
    }
  }
}

// early_start links early_lib.so, whose constructor runs before the shim's
// fork point and leaves behind what a fork would not copy faithfully.
TEST(FuzzForkServer, FallsBackToExecAndSaysWhy) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const std::string input = d.file("input.txt");
  {
    std::ofstream(input) << "settings\n";
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"none"}, ""},
      {{"thread"}, "2 threads run at the fork point (fork copies only the calling one)"},
      {{"input", input}, " (" + input + ") was opened before the fork point (the copies would share its offset)"},
      {{"timer"}, "an interval timer (alarm, setitimer) is armed before the fork point"},
      {{"shared"}, "a shared writable mapping (/dev/zero (deleted)) exists before the fork point"},
  };
  for (const auto& [args, why] : cases) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> argv{cli_path(), "fuzz", "--seed", "3", "--max-time", "60s", "--", target("early_start")};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run(argv, slow());
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.shell_status(), 66) << "the search still finds the snprintf\n" << r.describe();
    const std::string mode = runs_mode(r.err);
    if (why.empty()) {
      EXPECT_EQ(mode, "fork server") << r.err;
    } else {
      EXPECT_EQ(mode.rfind("exec per run (no fork server: ", 0), 0u) << mode << "\n" << r.err;
      EXPECT_NE(mode.find(why), std::string::npos) << mode << "\n" << r.err;
      // Said once.
      EXPECT_EQ(r.err.find("no fork server"), r.err.rfind("no fork server")) << r.err;
    }
    ASSERT_EQ(count_lines(r.out), 1) << r.describe();
    expect_replays(r.out.substr(0, r.out.find('\n')), "unsafe-call", "snprintf");
  }
}

// Processes whose command line is `sleep SECONDS` (early_start's child:
// 3600.417 in hang mode, 3600.418 in slow mode).
size_t sleepers(const std::string& seconds) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(e.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (text == "sleep" + std::string(1, '\0') + seconds + std::string(1, '\0')) ++n;
  }
  return n;
}

// A child killed with its run may not have been scheduled to die yet when
// sigstorm exits (a loaded machine): what counts is that it goes, so look
// until it has (5 s at most; one left running still fails).
size_t sleepers_left(const std::string& seconds) {
  size_t n = sleepers(seconds);
  for (int i = 0; n && i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    n = sleepers(seconds);
  }
  return n;
}

// Runs that outlive --timeout are killed with the child they started, and
// counted; the search goes on.
TEST(FuzzForkServer, TimedOutCopyIsKilledWithItsDescendants) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--seed", "3", "--runs", "6", "--timeout", "300ms", "--", target("early_start"),
                      "slow"},
                     slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  EXPECT_EQ(runs_mode(r.err), "fork server") << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(DONE .* timeouts: (\d+))"))) << r.err;
  EXPECT_GT(std::stoi(m[1]), 0) << "runs whose handler ran sleep past the timeout\n" << r.err;
  EXPECT_EQ(sleepers_left("3600.418"), 0u) << "children of timed-out runs were left running";
}

// A copy whose handler hangs is ended by the hang watchdog, with the child
// it started (the copy is its own process group), and the finding stands.
TEST(FuzzForkServer, HungCopyIsKilledWithItsDescendants) {
  REQUIRE_SIGSTORM();
  const auto r = run({cli_path(), "fuzz", "--seed", "3", "--hang-timeout", "200ms", "--max-time", "60s", "--",
                      target("early_start"), "hang"},
                     slow());
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 66) << r.describe();
  EXPECT_EQ(runs_mode(r.err), "fork server") << r.err;
  const auto kinds = error_kinds(r.err);
  ASSERT_FALSE(kinds.empty()) << r.err;
  EXPECT_EQ(kinds.front(), "handler-hang") << r.err;
  EXPECT_EQ(sleepers_left("3600.417"), 0u) << "children of hung runs were left running";
}
