// Transparency: under `sigstorm run` a program behaves exactly as it does
// bare. Each target prints the facts it observes (dispositions, masks, errno,
// restart behaviour); the bare run must pass the target's own self-checks,
// and the run under sigstorm must print the same, exit the same and report
// nothing.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "harness.h"

using namespace e2e;

namespace {

// Runs TARGET bare and under sigstorm; the bare run must be the kernel's own
// behaviour as the target expects it (exit 0, no FAIL line).
void check_target(const std::string& name, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {target(name)};
  argv.insert(argv.end(), args.begin(), args.end());
  auto c = run_both(argv);
  ASSERT_EQ(c.bare.shell_status(), 0) << "the target's self-check fails without sigstorm\n" << c.bare.describe();
  ASSERT_EQ(c.bare.out.find("FAIL"), std::string::npos) << c.bare.describe();
  ASSERT_FALSE(c.bare.out.empty());
  expect_transparent(c);
}

}  // namespace

TEST(Transparency, OldactRoundTrip) {
  REQUIRE_SIGSTORM();
  check_target("oldact");
}

TEST(Transparency, SaResethand) {
  REQUIRE_SIGSTORM();
  check_target("resethand");
}

TEST(Transparency, SaRestart) {
  REQUIRE_SIGSTORM();
  auto c = run_both({target("restart")});
  ASSERT_EQ(c.bare.shell_status(), 0) << c.bare.describe();
  // What the kernel does, so the comparison below means something.
  ASSERT_NE(c.bare.out.find("read SA_RESTART: rc=1 errno=-"), std::string::npos) << c.bare.out;
  ASSERT_NE(c.bare.out.find("read no SA_RESTART: rc=-1 errno=EINTR"), std::string::npos) << c.bare.out;
  ASSERT_NE(c.bare.out.find("poll SA_RESTART: rc=-1 errno=EINTR"), std::string::npos) << c.bare.out;
  expect_transparent(c);
}

TEST(Transparency, ErrnoPreserved) {
  REQUIRE_SIGSTORM();
  auto c = run_both({target("errno_preserved")});
  ASSERT_EQ(c.bare.shell_status(), 0) << c.bare.describe();
  ASSERT_NE(c.bare.out.find("plain: errno=EDOM"), std::string::npos) << c.bare.out;
  ASSERT_NE(c.bare.out.find("zero: errno=0"), std::string::npos) << c.bare.out;
  expect_transparent(c);
}

// glibc's malloc keeps its heap on brk under sigstorm's auditor too (the
// loader's calloc before libc's early start-up would have moved it to mmaps).
TEST(Transparency, MallocHeapStaysOnBrk) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const std::string bare_note = dir.file("bare"), storm_note = dir.file("storm");
  const RunResult bare = run({target("heap_brk"), bare_note});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_NE(bare.out.find("on the brk heap: yes"), std::string::npos) << bare.out;
  const SigstormRun storm = run_sigstorm({}, {target("heap_brk"), storm_note});
  EXPECT_EQ(storm.result.out, bare.out) << storm.describe();
  EXPECT_EQ(storm.result.shell_status(), 0) << storm.describe();
  std::ifstream note(storm_note);
  std::string line;
  std::getline(note, line);
  EXPECT_EQ(line, "audited: yes") << "the run had no auditor, so the case did not happen";
}

TEST(Transparency, SignalMasks) {
  REQUIRE_SIGSTORM();
  check_target("masks");
}

struct ExitCase {
  const char* mode;
  int status;  // as a shell reports it
};

void PrintTo(const ExitCase& ec, std::ostream* os) { *os << ec.mode << " -> " << ec.status; }

class ExitStatus : public ::testing::TestWithParam<ExitCase> {};

TEST_P(ExitStatus, SameAsBare) {
  REQUIRE_SIGSTORM();
  const ExitCase& ec = GetParam();
  auto c = run_both({target("exit_status"), ec.mode});
  ASSERT_EQ(c.bare.shell_status(), ec.status) << c.bare.describe();
  expect_transparent(c);
  EXPECT_EQ(c.storm.result.shell_status(), ec.status) << c.storm.describe();
}

INSTANTIATE_TEST_SUITE_P(Modes, ExitStatus,
                         ::testing::Values(ExitCase{"return0", 0}, ExitCase{"return3", 3}, ExitCase{"exit7", 7},
                                           ExitCase{"_exit9", 9}, ExitCase{"exit255", 255},
                                           ExitCase{"sigterm", 128 + SIGTERM}, ExitCase{"sigkill", 128 + SIGKILL},
                                           ExitCase{"abort", 128 + SIGABRT}, ExitCase{"segv", 128 + SIGSEGV},
                                           ExitCase{"usr1-default", 128 + SIGUSR1}),
                         [](const auto& info) {
                           std::string n = info.param.mode;
                           for (auto& ch : n)
                             if (!isalnum((unsigned char)ch)) ch = '_';
                           return n;
                         });

TEST(Transparency, StdoutStderrStdinUnchanged) {
  REQUIRE_SIGSTORM();
  RunOptions o;
  for (int i = 0; i < 20000; ++i) o.stdin_data += "input line " + std::to_string(i * 7919 % 10007) + "\n";
  auto c = run_both({target("stdout_many")}, o);
  ASSERT_EQ(c.bare.shell_status(), 0) << c.bare.describe();
  ASSERT_GT(count_lines(c.bare.out), 20000);
  ASSERT_NE(c.bare.out.find("stdin bytes=" + std::to_string(o.stdin_data.size())), std::string::npos);
  // The buffered line is printed by both the child and the parent.
  size_t first = c.bare.out.find("buffered before fork\n");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(c.bare.out.find("buffered before fork\n", first + 1), std::string::npos);
  expect_transparent(c);

  // Without --report the text report goes to stderr; stdout stays the program's.
  auto t = run({cli_path(), "run", "--", target("stdout_many")}, o);
  EXPECT_EQ(t.shell_status(), 0) << t.describe();
  EXPECT_EQ(t.out, c.bare.out);
  EXPECT_NE(t.err.find("a line on stderr\n"), std::string::npos) << t.err;
}
