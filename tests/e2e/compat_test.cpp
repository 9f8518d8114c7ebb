// Compatibility suite: real programs from Debian packages (bash, python3,
// perl, make, sort, dd, gzip, xz, tar, git) under `sigstorm run` with every
// check on. Each case runs its steps twice, in two fresh directories set up
// the same way: bare, and under sigstorm. Every step must give the same exit
// status, the same stdout and the same stderr (or the deterministic part of
// it), the same files, and no findings.
//
// Each case runs three times: with no injection, and under a SIGWINCH storm
// and a SIGURG storm (`every:1ms`). Both signals are ignored by default, so a
// storm must change nothing. After that, two dedicated tests: an interactive
// bash (which does handle SIGWINCH) under a SIGWINCH storm, and SIGUSR1 into a
// running dd, which must print its I/O statistics once more and otherwise
// behave as bare.
//
// (tests/e2e/real_programs_test.cpp has the short smoke runs of these
// programs; this file goes further: scripts with traps, jobs and threads,
// parallel make, external sort with temporary files, archives, a git repo.)
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace e2e;

// Cases and steps are written with designated initializers; the members left
// out take their defaults, which is the point.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"


#include "compat_cases.h"

using namespace compat;

namespace {

// ---------------------------------------------------------------- running a case

RunOptions options_for(const Case& c, const std::string& dir) {
  RunOptions o;
  o.cwd = dir;
  o.env_set = {{"LC_ALL", "C"}, {"TZ", "UTC"}};
  o.env_unset = {"LANG", "LANGUAGE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GIT_DIR", "GIT_WORK_TREE"};
  for (const auto& kv : c.env) o.env_set.push_back(kv);
  if (c.home_is_dir) o.env_set.push_back({"HOME", dir});
  return o;
}

std::vector<std::string> resolve_argv(std::vector<std::string> argv) {
  if (!argv.empty() && argv[0] == "<python3>") argv[0] = python();
  return argv;
}

std::string argv_text(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  return s;
}

// Why CASE cannot run here, or "".
std::string missing_program(const Case& c) {
  for (const auto& p : c.programs)
    if (which(p).empty()) return p + " is not installed";
  for (const auto& s : c.steps) {
    if (s.argv[0] == "<python3>") {
      if (python().empty()) return "python3 is not installed";
    } else if (which(s.argv[0]).empty()) {
      return s.argv[0] + " is not installed";
    }
  }
  return "";
}

// The injections part of a report: each spec we asked for is listed.
void expect_injections_listed(const SigstormRun& s, const std::vector<std::string>& specs) {
  if (!s.report_ok) return;
  const json inj = s.report.value("injections", json::array());
  EXPECT_EQ(inj.size(), specs.size()) << s.describe();
  for (size_t i = 0; i < inj.size() && i < specs.size(); ++i)
    EXPECT_EQ(inj[i].value("spec", ""), specs[i]) << s.describe();
}

// How often the report says injection I fired (-1: no such injection).
long long fired(const SigstormRun& s, size_t i = 0) {
  if (!s.report_ok || !s.report.contains("injections") || !s.report["injections"].is_array() ||
      s.report["injections"].size() <= i)
    return -1;
  return s.report["injections"][i].value("fired", -1LL);
}

// Every check was on, sigstorm saw (and so checked) every handler the
// processes installed, dropped nothing and has nothing to note.
void expect_clean_report(const SigstormRun& s) {
  if (!s.report_ok) return;
  EXPECT_EQ(s.report.value("checks", json::array()),
            json({"unsafe-call", "errno-clobber", "reentrancy", "handler-hang", "handler-crash", "longjmp-mask",
                  "handler-exception", "default-action", "no-exit"}))
      << s.describe();
  for (const json& p : s.report.value("processes", json::array()))
    EXPECT_EQ(p.value("unchecked_handlers", 0), 0) << s.describe();
  EXPECT_EQ(s.report.value("dropped", -1), 0) << s.describe();
  EXPECT_EQ(s.report.value("notes", json::array()), json::array()) << s.describe();
}

void run_case(const Case& c, const std::vector<std::string>& specs) {
  TempDir bare_dir, storm_dir;
  ASSERT_FALSE(bare_dir.path.empty());
  ASSERT_FALSE(storm_dir.path.empty());
  c.setup(bare_dir.path);
  c.setup(storm_dir.path);
  const RunOptions bare_opts = options_for(c, bare_dir.path);
  const RunOptions storm_opts = options_for(c, storm_dir.path);

  std::vector<std::string> sigstorm_opts = {"--seed", "20240601"};
  for (const auto& spec : specs) {
    sigstorm_opts.push_back("--inject");
    sigstorm_opts.push_back(spec);
  }

  std::vector<RunResult> bare_results;
  long long storm_fired = 0;
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    const auto argv = resolve_argv(step.argv);
    SCOPED_TRACE("step " + std::to_string(i) + ": " + argv_text(argv));
    RunOptions bo = bare_opts, so = storm_opts;
    bo.stdin_data = so.stdin_data = step.stdin_data;

    RunResult bare = run(argv, bo);
    ASSERT_TRUE(bare.started && !bare.timed_out) << bare.describe();
    if (step.status >= 0) {
      ASSERT_EQ(bare.shell_status(), step.status) << "bare run\n" << bare.describe();
    }
    for (const auto& want : step.out_has)
      EXPECT_NE(bare.out.find(want), std::string::npos) << "bare stdout lacks '" << want << "'\n" << bare.describe();

    SigstormRun storm = run_sigstorm(sigstorm_opts, argv, so);
    expect_same_exit(bare, storm, false);
    EXPECT_SAME_BYTES("stdout", bare.out, storm.result.out);
    if (step.err_filter) {
      EXPECT_SAME_BYTES("stderr (filtered)", step.err_filter(bare.err), step.err_filter(storm.result.err));
    } else {
      EXPECT_SAME_BYTES("stderr", bare.err, storm.result.err);
    }
    EXPECT_TRUE(storm.report_ok && storm.findings().empty()) << storm.describe();
    expect_clean_report(storm);
    expect_injections_listed(storm, specs);
    for (size_t k = 0; k < specs.size(); ++k) storm_fired += std::max(0LL, fired(storm, k));
    bare_results.push_back(std::move(bare));
  }
  // A storm that never fired proved nothing.
  if (!specs.empty()) {
    EXPECT_GT(storm_fired, 0) << "the storm never fired in any step";
  }

  for (const auto& f : c.artifacts) {
    bool ok_bare = false, ok_storm = false;
    std::string a = read_file(bare_dir.file(f), &ok_bare), b = read_file(storm_dir.file(f), &ok_storm);
    EXPECT_TRUE(ok_bare) << f << " missing after the bare run";
    EXPECT_TRUE(ok_storm) << f << " missing after the run under sigstorm";
    EXPECT_SAME_BYTES(f, a, b);
  }
  if (c.check) c.check(bare_dir.path, bare_results);
}

// ---------------------------------------------------------------- parameterized suite

enum class Mode { kPlain, kWinchStorm, kUrgStorm };

std::vector<std::string> specs_for(Mode m) {
  switch (m) {
    case Mode::kPlain: return {};
    case Mode::kWinchStorm: return {"SIGWINCH@every:1ms"};
    case Mode::kUrgStorm: return {"SIGURG@every:1ms"};
  }
  return {};
}

std::vector<std::string> case_names() {
  std::vector<std::string> v;
  for (const auto& [name, c] : cases()) v.push_back(name);
  return v;
}

class CompatPrograms : public ::testing::TestWithParam<std::tuple<std::string, Mode>> {};

TEST_P(CompatPrograms, BehaveAsBare) {
  REQUIRE_SIGSTORM();
  const auto& [name, mode] = GetParam();
  const Case& c = cases().at(name);
  if (auto why = missing_program(c); !why.empty()) GTEST_SKIP() << why;
  run_case(c, specs_for(mode));
}

INSTANTIATE_TEST_SUITE_P(Compat, CompatPrograms,
                         ::testing::Combine(::testing::ValuesIn(case_names()),
                                            ::testing::Values(Mode::kPlain, Mode::kWinchStorm, Mode::kUrgStorm)),
                         [](const ::testing::TestParamInfo<CompatPrograms::ParamType>& info) {
                           const Mode m = std::get<1>(info.param);
                           return std::get<0>(info.param) +
                                  (m == Mode::kPlain ? "_NoInjection"
                                   : m == Mode::kWinchStorm ? "_SigwinchStorm"
                                                            : "_SigurgStorm");
                         });

// ---------------------------------------------------------------- dedicated tests

// An interactive bash handles SIGWINCH itself (readline and bash's own
// handler; a non-interactive one leaves it at default). Under a storm of it
// the script must still do exactly what it does bare. The prompts and the job
// pid go to stderr, so only stdout and the status are compared.
TEST(CompatBash, InteractiveShellUnderSigwinchStorm) {
  REQUIRE_SIGSTORM();
  if (which("bash").empty()) GTEST_SKIP() << "bash is not installed";
  const char* script =
      "f() { echo \"f $1 $(( $1 * 3 ))\"; }\n"
      "for i in 1 2 3 4; do f $i; done\n"
      "x=$(seq 1 3000 | sort -rn | head -n 1); echo \"x=$x\"\n"
      "while read -r k v; do [ \"$k\" = SigCgt: ] && echo status-readable; done < /proc/$$/status\n"
      "sleep 0.3\n"
      "(sleep 0.05; exit 9) & wait $!; echo \"job: $?\"\n"
      "for i in $(seq 1 40); do y=$(echo $i); done; echo \"y=$y\"\n"
      "exit 6\n";
  TempDir home;  // an interactive bash writes its history file there
  ASSERT_FALSE(home.path.empty());
  RunOptions o;
  o.stdin_data = script;
  o.cwd = home.path;
  o.env_set = {{"LC_ALL", "C"}, {"TERM", "dumb"}, {"PS1", "$ "}, {"HOME", home.path},
               {"HISTFILE", home.file("history")}};
  const std::vector<std::string> argv = {"bash", "--norc", "--noprofile", "-i"};

  // The premise: bash -i catches SIGWINCH (bit 27 of SigCgt).
  RunOptions probe = o;
  probe.stdin_data = "cat /proc/$$/status\n";
  auto p = run(argv, probe);
  ASSERT_EQ(p.shell_status(), 0) << p.describe();
  const size_t at = p.out.find("SigCgt:");
  ASSERT_NE(at, std::string::npos) << p.describe();
  const unsigned long long mask = std::strtoull(p.out.c_str() + at + 7, nullptr, 16);
  ASSERT_TRUE(mask & (1ull << (SIGWINCH - 1))) << "bash -i does not catch SIGWINCH here: " << p.out;

  auto c = run_both(argv, o, {"--seed", "7", "--inject", "SIGWINCH@every:1ms"});
  ASSERT_EQ(c.bare.shell_status(), 6) << c.bare.describe();
  EXPECT_EQ(c.bare.out, "f 1 3\nf 2 6\nf 3 9\nf 4 12\nx=3000\nstatus-readable\njob: 9\ny=40\n");
  expect_same_exit(c.bare, c.storm, false);
  EXPECT_EQ(c.storm.result.out, c.bare.out);
  EXPECT_TRUE(c.storm.report_ok && c.storm.findings().empty()) << c.storm.describe();
  expect_clean_report(c.storm);
  // The storm did reach bash's handler: the script sleeps 0.3 s, a 1 ms
  // period fires in it.
  EXPECT_GT(fired(c.storm), 0) << c.storm.describe();
}

// Feeds a FIFO slowly from a thread: blocks SIGPIPE on itself, waits (at most
// 20 s) for a reader, then writes CHUNKS chunks of CHUNK bytes, one every
// GAP. Bounded: the whole thing ends by itself.
class SlowFifoWriter {
 public:
  SlowFifoWriter(std::string path, int chunks, size_t chunk, std::chrono::milliseconds gap)
      : thread_([=, this] { feed(path, chunks, chunk, gap); }) {}
  ~SlowFifoWriter() { thread_.join(); }
  size_t written() const { return written_; }

 private:
  void feed(const std::string& path, int chunks, size_t chunk, std::chrono::milliseconds gap) {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
    int fd = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (fd < 0 && std::chrono::steady_clock::now() < deadline) {
      fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // ENXIO until a reader opens it
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (fd < 0) return;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string data(chunk, 'z');
    for (int i = 0; i < chunks; ++i) {
      if (i) std::this_thread::sleep_for(gap);
      size_t off = 0;
      while (off < data.size()) {
        ssize_t w = write(fd, data.data() + off, data.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          close(fd);
          return;
        }
        off += size_t(w);
        written_ += size_t(w);
      }
    }
    close(fd);
  }
  std::atomic<size_t> written_{0};
  std::thread thread_;
};

// SIGUSR1 into a running dd: dd prints its I/O statistics to stderr and goes
// on. dd is the program sigstorm starts (after: goes to that process's main
// thread) and reads a FIFO fed for about 2 s, starting when dd opens it, so
// it is still running when the signal comes 200 ms after its start.
TEST(CompatDd, Sigusr1PrintsStatisticsAndChangesNothingElse) {
  REQUIRE_SIGSTORM();
  if (which("dd").empty()) GTEST_SKIP() << "dd is not installed";
  constexpr int kChunks = 100;
  constexpr size_t kChunk = 10000;
  const std::vector<std::string> argv = {"dd", "if=fifo", "bs=10000", "iflag=fullblock"};
  const std::string records = "100+0 records in\n100+0 records out\n";

  TempDir bare_dir, storm_dir;
  ASSERT_EQ(mkfifo(bare_dir.file("fifo").c_str(), 0600), 0);
  ASSERT_EQ(mkfifo(storm_dir.file("fifo").c_str(), 0600), 0);
  RunOptions bo, so;
  bo.cwd = bare_dir.path;
  so.cwd = storm_dir.path;
  bo.env_set = so.env_set = {{"LC_ALL", "C"}};

  RunResult bare;
  {
    SlowFifoWriter w(bare_dir.file("fifo"), kChunks, kChunk, std::chrono::milliseconds(0));
    bare = run(argv, bo);
  }
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_EQ(bare.out, std::string(kChunks * kChunk, 'z'));
  ASSERT_EQ(dd_record_lines(bare.err), records) << bare.describe();

  SigstormRun storm;
  {
    SlowFifoWriter w(storm_dir.file("fifo"), kChunks, kChunk, std::chrono::milliseconds(20));
    storm = run_sigstorm({"--seed", "5", "--inject", "SIGUSR1@after:200ms"}, argv, so);
  }
  expect_same_exit(bare, storm, false);
  EXPECT_SAME_BYTES("stdout", bare.out, storm.result.out);
  EXPECT_TRUE(storm.report_ok && storm.findings().empty()) << storm.describe();
  expect_clean_report(storm);
  EXPECT_EQ(fired(storm), 1) << storm.describe();

  // Bare: one set of statistics at the end. With the signal: one more, in
  // the middle (a record count below 100), and the final one unchanged.
  const std::string& err = storm.result.err;
  EXPECT_EQ(count_substr(bare.err, " records in\n"), 1) << bare.err;
  EXPECT_EQ(count_substr(err, " records in\n"), 2) << err;
  EXPECT_EQ(count_substr(err, " records out\n"), 2) << err;
  EXPECT_EQ(count_substr(err, " copied, "), 2) << err;
  const std::string lines = dd_record_lines(err);
  ASSERT_GE(lines.size(), records.size()) << err;
  EXPECT_EQ(lines.substr(lines.size() - records.size()), records) << err;
  const int mid = std::atoi(lines.c_str());
  EXPECT_LT(mid, 100) << "the extra statistics come while dd is still reading:\n" << err;
}

}  // namespace
