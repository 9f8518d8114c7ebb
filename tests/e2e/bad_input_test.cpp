// Bad input: sigstorm refuses with exit status 2 and a one-line message, and
// the program never starts (targets/marker creates a file when it runs).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

using namespace e2e;

namespace {

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Runs `sigstorm ARGS` and checks the refusal; returns stderr.
std::string expect_refused(const std::vector<std::string>& args, const std::string& marker) {
  std::vector<std::string> argv = {cli_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_TRUE(r.exited && r.exit_code == 2) << "want exit status 2\n" << r.describe();
  EXPECT_EQ(count_lines(r.err), 1) << "want exactly one line on stderr\n" << r.describe();
  EXPECT_FALSE(r.err.empty() || r.err.back() != '\n') << r.describe();
  EXPECT_EQ(r.out.find("marker ran"), std::string::npos) << "the program ran\n" << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  if (!marker.empty()) {
    EXPECT_FALSE(exists(marker)) << "the program ran: it created " << marker;
  }
  return r.err;
}

}  // namespace

TEST(BadInput, UnknownOption) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto m = d.file("ran");
  auto err = expect_refused({"run", "--no-such-option", "--", target("marker"), m}, m);
  EXPECT_NE(err.find("no-such-option"), std::string::npos) << err;
}

TEST(BadInput, MalformedOptionValues) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto m = d.file("ran");
  expect_refused({"run", "--error-exitcode", "sixty", "--", target("marker"), m}, m);
  expect_refused({"run", "--hang-timeout", "10parsecs", "--", target("marker"), m}, m);
  expect_refused({"run", "--timeout", "-5s", "--", target("marker"), m}, m);
  expect_refused({"run", "--format", "xml", "--", target("marker"), m}, m);
  expect_refused({"run", "--seed", "not-a-number", "--", target("marker"), m}, m);
  expect_refused({"run", "--inject", "USR1@nowhere:at-all", "--", target("marker"), m}, m);
}

TEST(BadInput, UnknownCheckName) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto m = d.file("ran");
  auto err = expect_refused({"run", "--check", "unsafe-call,no-such-check", "--", target("marker"), m}, m);
  EXPECT_NE(err.find("no-such-check"), std::string::npos) << "name the unknown check\n" << err;
}

TEST(BadInput, MissingProgram) {
  REQUIRE_SIGSTORM();
  auto err = expect_refused({"run", "--", "/nonexistent-sigstorm-e2e/prog"}, "");
  EXPECT_NE(err.find("/nonexistent-sigstorm-e2e/prog"), std::string::npos) << "name the program\n" << err;
  expect_refused({"run", "--", "no-such-program-sigstorm-e2e"}, "");
  expect_refused({"run"}, "");
  expect_refused({"run", "--"}, "");
}

TEST(BadInput, StaticBinary) {
  REQUIRE_SIGSTORM();
  ASSERT_EQ(access(target("static_marker").c_str(), X_OK), 0) << "static target not built";
  // Without sigstorm it runs fine.
  TempDir d;
  const auto m = d.file("ran");
  auto bare = run({target("static_marker"), m});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_TRUE(exists(m));
  std::filesystem::remove(m);
  auto err = expect_refused({"run", "--", target("static_marker"), m}, m);
  EXPECT_TRUE(contains_icase(err, "static")) << "say why: statically linked\n" << err;
}

TEST(BadInput, SetuidBinary) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto prog = d.file("setuid_marker");
  std::filesystem::copy_file(target("marker"), prog);
  ASSERT_EQ(chmod(prog.c_str(), 04755), 0);
  struct stat st;
  ASSERT_EQ(stat(prog.c_str(), &st), 0);
  ASSERT_TRUE(st.st_mode & S_ISUID);
  const auto m = d.file("ran");
  auto err = expect_refused({"run", "--", prog, m}, m);
  EXPECT_TRUE(contains_icase(err, "setuid") || contains_icase(err, "set-user") || contains_icase(err, "suid"))
      << "say why: setuid\n" << err;
}

// The program passes every check sigstorm makes before it forks, but the
// kernel refuses to exec it (a copy still open for writing: ETXTBSY). The
// failure comes back from the forked child over the exec pipe.
TEST(BadInput, ExecFailsInTheChild) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto prog = d.file("busy-marker");
  const auto m = d.file("ran");
  std::filesystem::copy_file(target("marker"), prog);
  ASSERT_EQ(chmod(prog.c_str(), 0755), 0);
  const int writer = open(prog.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  auto err = expect_refused({"run", "--", prog, m}, m);
  close(writer);
  EXPECT_NE(err.find(prog), std::string::npos) << "name the program\n" << err;
  EXPECT_NE(err.find("Text file busy"), std::string::npos) << "say why\n" << err;
}

// A script without #! runs under /bin/sh, as execvp and the shell do.
TEST(BadInput, ScriptWithoutInterpreterLineRunsUnderSh) {
  REQUIRE_SIGSTORM();
  TempDir d;
  const auto prog = d.file("plain-script");
  {
    std::ofstream f(prog);
    f << "echo \"script ran with $1\"\n";
  }
  ASSERT_EQ(chmod(prog.c_str(), 0755), 0);
  auto r = run({cli_path(), "run", "--", prog, "its-argument"});
  EXPECT_TRUE(r.exited && r.exit_code == 0) << r.describe();
  EXPECT_EQ(r.out, "script ran with its-argument\n") << r.describe();
}

// sigstorm failing after the program started is not a usage error: its own
// status (125, as timeout(1)), one line saying what went wrong.
TEST(BadInput, FailureAfterTheProgramStartedHasItsOwnStatus) {
  REQUIRE_SIGSTORM();
  auto r = run({cli_path(), "run", "--", "/bin/sh", "-c", "echo ran; : > \"$SIGSTORM_RUN_FILE\""});
  EXPECT_EQ(r.out, "ran\n") << r.describe();
  EXPECT_EQ(r.shell_status(), 125) << r.describe();
  EXPECT_EQ(count_lines(r.err), 1) << r.describe();
  EXPECT_NE(r.err.find("sigstorm: error: the run's report is lost: the run file"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("was truncated during the run"), std::string::npos) << r.describe();
}

// `sigstorm` alone names every subcommand, in its one-line usage error.
TEST(BadInput, NoSubcommandNamesThemAll) {
  REQUIRE_SIGSTORM();
  auto r = run({cli_path()});
  EXPECT_EQ(r.shell_status(), 2) << r.describe();
  EXPECT_EQ(r.err, "sigstorm: error: no subcommand given (want run, fuzz, points or report; see sigstorm --help)\n")
      << r.describe();
  auto v = run({cli_path(), "-V"});
  EXPECT_EQ(v.shell_status(), 0) << v.describe();
  EXPECT_EQ(v.out, std::string("sigstorm ") + SIGSTORM_VERSION + "\n") << v.describe();
}
