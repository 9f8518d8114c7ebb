// Start-up only where needed (preload/startup.h): a process pays for
// libunwind, the hang probe and a from=handler clock's thread only once it
// installs its first handler, and that handler still runs checked, with a
// stack, right after it is installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.h"
#include "preload/unwind_files.h"

using namespace e2e;

namespace {

void expect_checked_handler(const SigstormRun& s, int pid) {
  const int line = line_of(target_source("lazy_start.c"), "@line:malloc-call");
  ASSERT_GT(line, 0);
  EXPECT_EQ(int_field(s.result.out, "ran"), 1) << "the handler ran\n" << s.result.out;
  auto f = s.findings("unsafe-call", "malloc");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("pid", -1), pid) << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "on_usr1", "lazy_start.c", line)) << "a stack from libunwind\n" << f[0].dump(1);
}

}  // namespace

class LazyStart : public ::testing::TestWithParam<const char*> {};

TEST_P(LazyStart, NothingLoadedBeforeTheFirstHandler) {
  REQUIRE_SIGSTORM();
  // A from=handler clock waits for a handler: its thread too.
  auto s = run_sigstorm({"--inject", "SIGUSR2@every:3600s,from=handler"}, {target("lazy_start"), GetParam()});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(int_field(s.result.out, "unwind-before"), 0) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "threads-before"), 1) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "unwind-after"), 1) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "threads-after"), 2) << "the clock's thread, once there is a handler\n"
                                                         << s.result.out;
  expect_checked_handler(s, s.report["processes"][0].value("pid", -1));
}

INSTANTIATE_TEST_SUITE_P(Installers, LazyStart, ::testing::Values("sigaction", "signal"));

TEST(LazyStart, ClockFromTheStartStillStartsWithTheProcess) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "SIGUSR2@every:3600s,from=start"}, {target("lazy_start"), "sigaction"});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(int_field(s.result.out, "threads-before"), 2) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "unwind-before"), 0) << s.result.out;
  ASSERT_TRUE(s.report_ok) << s.describe();
  expect_checked_handler(s, s.report["processes"][0].value("pid", -1));
}

TEST(LazyStart, ForkChildOfAParentWithoutHandlers) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("lazy_start"), "sigaction", "fork"});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(int_field(s.result.out, "unwind-before"), 0) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "unwind-after"), 1) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "parent-unwind"), 0) << "the parent never installed one\n" << s.result.out;
  const int child = int_field(s.result.out, "child");
  ASSERT_GT(child, 0) << s.result.out;
  expect_checked_handler(s, child);
  EXPECT_EQ(s.report["processes"].size(), 2u) << "both processes have their entry\n" << s.report["processes"].dump(1);
}

namespace {

// The LD_DEBUG_OUTPUT file (the loader writes one per process) that says
// MARKER.
std::string loader_log(const TempDir& dir, const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(marker) != std::string::npos) return text.str();
  }
  ADD_FAILURE() << "no LD_DEBUG output with \"" << marker << "\" in " << dir.path;
  return {};
}

// What the loader reports the CLI loaded (LD_DEBUG=files): the file of the
// process whose objects are needed by the CLI.
std::string cli_loads(const std::vector<std::string>& program) {
  TempDir dir;
  RunOptions o;
  o.env_set = {{"LD_DEBUG", "files"}, {"LD_DEBUG_OUTPUT", dir.file("ld")}};
  std::vector<std::string> argv = {cli_path(), "run", "--"};
  argv.insert(argv.end(), program.begin(), program.end());
  const RunResult r = run(argv, o);
  EXPECT_TRUE(r.started) << r.describe();
  return loader_log(dir, "needed by " + cli_path());
}

}  // namespace

// The CLI loads libdw (and its liblzma, libbz2) only when a report has
// something to symbolize.
TEST(CliStart, LibdwOnlyWhenThereIsSomethingToSymbolize) {
  REQUIRE_SIGSTORM();
  const std::string quiet = cli_loads({"/bin/true"});
  EXPECT_NE(quiet.find("file=libelf.so.1"), std::string::npos) << "LD_DEBUG saw the CLI's libraries\n" << quiet;
  EXPECT_EQ(quiet.find("file=libdw.so.1"), std::string::npos) << "nothing to symbolize, yet libdw was loaded\n"
                                                             << quiet;
  const std::string finding = cli_loads({target("unsafe_malloc")});
  EXPECT_NE(finding.find("file=libdw.so.1"), std::string::npos) << "a finding's stack is symbolized with libdw\n"
                                                               << finding;
}

// The CLI builds only the options of the subcommand argv[1] names (else of
// one a later argument names): each subcommand still has every option of
// its own, named first or after -h, from the command line and from
// SIGSTORM_OPTIONS.
TEST(CliStart, EachSubcommandHasItsOptionsNamedFirstOrNot) {
  REQUIRE_SIGSTORM();
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> helps = {
      {{"run", "--help"}, {"--inject", "--hang-timeout", "--no-follow-children", "--srcroot"}},
      {{"-h", "run"}, {"--inject", "--hang-timeout", "--no-follow-children", "--srcroot"}},
      {{"fuzz", "--help"}, {"--runs", "--no-fork-server", "--hang-timeout"}},
      {{"report", "--help"}, {"--output", "--suppressions", "--color"}},
      {{"points", "--help"}, {"--format", "--policy"}},
  };
  for (const auto& [args, options] : helps) {
    std::vector<std::string> argv = {cli_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const RunResult r = run(argv);
    ASSERT_EQ(r.shell_status(), 0) << args[0] << " " << args[1] << ": " << r.describe();
    for (const std::string& option : options)
      EXPECT_NE(r.out.find(option), std::string::npos) << args[0] << " " << args[1] << " lists " << option << "\n"
                                                        << r.out;
  }
  const RunResult flag = run({cli_path(), "run", "--hang-timeout", "soon", "--", "/bin/true"});
  EXPECT_EQ(flag.shell_status(), 2) << flag.describe();
  EXPECT_NE(flag.err.find("--hang-timeout 'soon'"), std::string::npos) << flag.err;
  RunOptions o;
  o.env_set = {{"SIGSTORM_OPTIONS", "hang_timeout=soon"}};
  const RunResult env = run({cli_path(), "run", "--", "/bin/true"}, o);
  EXPECT_EQ(env.shell_status(), 2) << env.describe();
  EXPECT_NE(env.err.find("soon"), std::string::npos) << env.err;
}

namespace {

// What the loader did in the run's lazy_start process (LD_DEBUG=libs).
std::string program_loads(const TempDir& ld) {
  return loader_log(ld, "transferring control: " + target("lazy_start"));
}

SigstormRun run_lazy_start(const TempDir& ld, const std::string& shim = {}) {
  RunOptions o;
  o.env_set = {{"LD_DEBUG", "libs"}, {"LD_DEBUG_OUTPUT", ld.file("ld")}};
  if (!shim.empty()) o.env_set.push_back({"SIGSTORM_SHIM", shim});
  return run_sigstorm({}, {target("lazy_start"), "sigaction"}, o);
}

}  // namespace

// The deferred step dlopen()s libunwind and the libraries it needs by the
// paths configure time found (preload/unwind_files.h): the loader searches
// nothing, and reads no /etc/ld.so.cache, for them.
TEST(LazyStart, LibunwindByPathWithoutASearch) {
  REQUIRE_SIGSTORM();
  ASSERT_NE(sigstorm::kUnwindFiles[0], nullptr) << "configure found no libunwind file: only the soname is tried";
  TempDir ld;
  auto s = run_lazy_start(ld);
  ASSERT_TRUE(s.report_ok) << s.describe();
  const std::string loads = program_loads(ld);
  EXPECT_NE(loads.find("calling init: " + std::string(sigstorm::kUnwindFiles[std::size(sigstorm::kUnwindFiles) - 2])), std::string::npos)
      << "libunwind was loaded from its configured path\n" << loads;
  EXPECT_EQ(loads.find("find library=libunwind"), std::string::npos) << loads;
  EXPECT_EQ(loads.find("find library=liblzma"), std::string::npos) << "its DT_NEEDED was loaded first\n" << loads;
  expect_checked_handler(s, s.report["processes"][0].value("pid", -1));
}

// A shim whose configured paths are gone (a package built on another
// layout) finds libunwind by its soname, and still gives stacks.
TEST(LazyStart, LibunwindBySonameWhenItsPathIsGone) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  for (const char* lib : {"libsigstorm.so", "libsigstorm-audit.so"})
    std::filesystem::copy_file(std::filesystem::path(shim_path()).parent_path() / lib, dir.file(lib));
  std::string image;
  {
    std::ifstream in(dir.file("libsigstorm.so"), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    image = bytes.str();
  }
  int patched = 0;
  for (const char* const* file = sigstorm::kUnwindFiles; *file; ++file) {
    std::string gone = *file;
    gone[1] = '~';  // same length: "/~sr/lib/...", a directory no system has
    for (size_t at = image.find(*file); at != std::string::npos; at = image.find(*file, at + 1), ++patched)
      image.replace(at, gone.size(), gone);
  }
  ASSERT_GT(patched, 0) << "the configured paths are in the shim";
  std::ofstream(dir.file("libsigstorm.so"), std::ios::binary | std::ios::trunc) << image;
  TempDir ld;
  auto s = run_lazy_start(ld, dir.file("libsigstorm.so"));
  ASSERT_TRUE(s.report_ok) << s.describe();
  const std::string loads = program_loads(ld);
  EXPECT_NE(loads.find("find library=libunwind.so.8"), std::string::npos) << "the soname's search ran\n" << loads;
  expect_checked_handler(s, s.report["processes"][0].value("pid", -1));
}
