// One end-to-end test per finding kind of issue 2 (unsafe-call,
// errno-clobber, handler-crash), plus the run options that shape them.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "harness.h"

using namespace e2e;

namespace {

// The first line of OUT dropped (targets print "pid=N" there).
std::string without_first_line(const std::string& out) {
  auto nl = out.find('\n');
  return nl == std::string::npos ? "" : out.substr(nl + 1);
}

// "printf", or glibc's internal name for it: "__printf", "_IO_printf", "__GI_printf".
bool is_libc_alias_of(const json& name, std::string_view want) {
  if (!name.is_string()) return false;
  std::string n = name.get<std::string>();
  for (std::string_view prefix : {"__GI_", "_IO_", "__"})
    if (n.rfind(prefix, 0) == 0) n = n.substr(prefix.size());
  return n == want;
}

}  // namespace

TEST(UnsafeCall, PrintfInHandler) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("unsafe_printf.c"), "@line:printf-call");
  ASSERT_GT(line, 0);
  auto bare = run({target("unsafe_printf")});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  auto s = run_sigstorm({}, {target("unsafe_printf")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_TRUE(s.result.exited && s.result.exit_code == 66) << "an error finding exits 66 by default\n" << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();

  // The report's frame.
  EXPECT_TRUE(s.report.contains("sigstorm") && s.report["sigstorm"].is_string()) << s.describe();
  EXPECT_EQ(s.report.value("argv", json()), json::array({target("unsafe_printf")})) << s.describe();
  EXPECT_EQ(s.report["exit"], json({{"code", 0}, {"signal", nullptr}})) << s.describe();
  EXPECT_TRUE(s.report.contains("seed") && s.report["seed"].is_number_integer()) << s.describe();

  // Exactly one unsafe-call finding for printf: three hits merged.
  auto f = s.findings("unsafe-call", "printf");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  const int pid = int_field(s.result.out, "pid");
  EXPECT_EQ(f[0].value("severity", ""), "error");
  EXPECT_EQ(f[0].value("signal", ""), "SIGUSR1");
  EXPECT_TRUE(name_matches(f[0].value("handler", json()), "on_usr1")) << f[0].dump(1);
  EXPECT_EQ(f[0].value("pid", -1), pid) << f[0].dump(1);
  EXPECT_EQ(f[0].value("tid", -1), pid) << f[0].dump(1);
  EXPECT_EQ(f[0].value("count", -1), 3) << "three deliveries of one bug are one finding with count 3\n" << f[0].dump(1);
  // Stack: innermost first, printf on top, then the handler at the line of the call.
  ASSERT_TRUE(f[0].contains("stack") && f[0]["stack"].is_array() && !f[0]["stack"].empty()) << f[0].dump(1);
  // (glibc's own alias for it, e.g. __printf, is the same function.)
  EXPECT_TRUE(is_libc_alias_of(f[0]["stack"][0].value("function", json()), "printf"))
      << "the innermost frame is the unsafe call itself, not sigstorm's wrapper\n" << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "on_usr1", "unsafe_printf.c", line)) << "want on_usr1 at unsafe_printf.c:" << line << "\n"
                                                                 << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "main", "unsafe_printf.c")) << "the stack goes on past the signal frame into main\n"
                                                          << f[0].dump(1);
  EXPECT_TRUE(s.findings("errno-clobber").empty()) << s.describe();
  EXPECT_TRUE(s.findings("handler-crash").empty()) << s.describe();

  // The program's own output is untouched; sigstorm adds nothing with --report.
  EXPECT_EQ(without_first_line(s.result.out), without_first_line(bare.out));
  EXPECT_EQ(s.result.err, "");
}

TEST(UnsafeCall, MallocAndFreeInSignalHandler) {
  REQUIRE_SIGSTORM();
  const int malloc_line = line_of(target_source("unsafe_malloc.c"), "@line:malloc-call");
  const int free_line = line_of(target_source("unsafe_malloc.c"), "@line:free-call");
  ASSERT_GT(malloc_line, 0);
  ASSERT_GT(free_line, 0);
  auto s = run_sigstorm({}, {target("unsafe_malloc")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  const int pid = int_field(s.result.out, "pid");
  EXPECT_EQ(field(s.result.out, "seen"), "63") << "the handler still works under sigstorm";

  auto m = s.findings("unsafe-call", "malloc");
  ASSERT_EQ(m.size(), 1u) << s.describe();
  EXPECT_EQ(m[0].value("signal", ""), "SIGUSR2");
  EXPECT_TRUE(name_matches(m[0].value("handler", json()), "on_usr2")) << m[0].dump(1);
  EXPECT_EQ(m[0].value("pid", -1), pid);
  EXPECT_TRUE(has_frame(m[0], "on_usr2", "unsafe_malloc.c", malloc_line)) << m[0].dump(1);

  auto fr = s.findings("unsafe-call", "free");
  ASSERT_EQ(fr.size(), 1u) << s.describe();
  EXPECT_TRUE(has_frame(fr[0], "on_usr2", "unsafe_malloc.c", free_line)) << fr[0].dump(1);
}

TEST(UnsafeCall, TextReportOnStderr) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("unsafe_printf.c"), "@line:printf-call");
  ASSERT_GT(line, 0);
  auto bare = run({target("unsafe_printf")});
  auto r = run({cli_path(), "run", "--", target("unsafe_printf")});
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 66) << r.describe();
  EXPECT_EQ(without_first_line(r.out), without_first_line(bare.out)) << "the report goes to stderr, not stdout";
  for (const char* want : {"unsafe-call", "printf", "on_usr1", "SIGUSR1"})
    EXPECT_NE(r.err.find(want), std::string::npos) << "text report lacks '" << want << "'\n" << r.err;
  const std::string where = "unsafe_printf.c:" + std::to_string(line);
  EXPECT_NE(r.err.find(where), std::string::npos) << "text report lacks " << where << "\n" << r.err;
}

TEST(ErrnoClobber, HandlerReturnsWithChangedErrno) {
  REQUIRE_SIGSTORM();
  auto bare = run({target("errno_clobber")});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_EQ(field(bare.out, "errno_after_raise"), "2") << bare.describe();
  auto s = run_sigstorm({}, {target("errno_clobber")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  // sigstorm reports the clobbered errno; it does not repair it.
  EXPECT_EQ(field(s.result.out, "errno_after_raise"), "2") << s.result.out;

  auto f = s.findings("errno-clobber");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("severity", ""), "error");
  EXPECT_EQ(f[0].value("signal", ""), "SIGUSR1");
  EXPECT_TRUE(name_matches(f[0].value("handler", json()), "on_usr1_info")) << f[0].dump(1);
  EXPECT_TRUE(name_matches(f[0].value("function", json()), "on_usr1_info"))
      << "errno-clobber names the handler as its function (docs/DESIGN.md)\n" << f[0].dump(1);
  EXPECT_EQ(f[0].value("pid", -1), int_field(s.result.out, "pid"));
  EXPECT_EQ(f[0].value("errno_before", json()), json(0)) << f[0].dump(1);
  EXPECT_EQ(f[0].value("errno_after", json()), json(ENOENT)) << f[0].dump(1);
  // open() is async-signal-safe: no unsafe-call.
  EXPECT_TRUE(s.findings("unsafe-call").empty()) << s.describe();
}

TEST(HandlerCrash, NullDereferenceInHandlerStillDiesBySigsegv) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("handler_crash.c"), "@line:null-deref");
  ASSERT_GT(line, 0);
  auto bare = run({target("handler_crash")});
  ASSERT_FALSE(bare.exited) << bare.describe();
  ASSERT_EQ(bare.term_signal, SIGSEGV) << bare.describe();

  auto s = run_sigstorm({}, {target("handler_crash")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_TRUE(s.result.exited && s.result.exit_code == 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  // The program died exactly as it would have.
  EXPECT_EQ(s.report["exit"], json({{"code", nullptr}, {"signal", "SIGSEGV"}})) << s.describe();
  EXPECT_EQ(without_first_line(s.result.out), without_first_line(bare.out));
  EXPECT_EQ(s.result.out.find("not reached"), std::string::npos);

  auto f = s.findings("handler-crash");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("severity", ""), "error");
  EXPECT_EQ(f[0].value("signal", ""), "SIGUSR1") << "the signal whose handler was running";
  EXPECT_TRUE(name_matches(f[0].value("handler", json()), "on_usr1_crash")) << f[0].dump(1);
  EXPECT_TRUE(name_matches(f[0].value("function", json()), "on_usr1_crash"))
      << "handler-crash names the innermost frame's function\n" << f[0].dump(1);
  const json fatal = f[0].value("fatal_signal", json());
  EXPECT_TRUE(fatal == json("SIGSEGV") || fatal == json(SIGSEGV)) << f[0].dump(1);
  EXPECT_EQ(f[0].value("pid", -1), int_field(s.result.out, "pid"));
  EXPECT_TRUE(has_frame(f[0], "on_usr1_crash", "handler_crash.c", line))
      << "want the faulting line handler_crash.c:" << line << "\n" << f[0].dump(1);
}

TEST(HandlerCrash, ErrorExitcodeReplacesTheSignalStatus) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--error-exitcode", "3"}, {target("handler_crash")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_TRUE(s.result.exited && s.result.exit_code == 3) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report["exit"].value("signal", json()), json("SIGSEGV")) << s.describe();
  EXPECT_EQ(s.findings("handler-crash").size(), 1u) << s.describe();
}

TEST(RunOptions, ErrorExitcode) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--error-exitcode", "9"}, {target("unsafe_printf")});
  EXPECT_TRUE(s.result.exited && s.result.exit_code == 9) << s.describe();
  EXPECT_FALSE(s.findings("unsafe-call").empty()) << s.describe();
}

TEST(RunOptions, CheckSelectsWhatIsReported) {
  REQUIRE_SIGSTORM();
  // Only errno-clobber: the printf target is clean and exits with its own status.
  auto s = run_sigstorm({"--check", "errno-clobber"}, {target("unsafe_printf")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();

  // Only unsafe-call: the errno target is clean.
  auto e = run_sigstorm({"--check", "unsafe-call"}, {target("errno_clobber")});
  EXPECT_EQ(e.result.shell_status(), 0) << e.describe();
  EXPECT_TRUE(e.report_ok && e.findings().empty()) << e.describe();

  // A list: both.
  auto both = run_sigstorm({"--check", "unsafe-call,handler-crash"}, {target("handler_crash")});
  EXPECT_EQ(both.findings("handler-crash").size(), 1u) << both.describe();
}

TEST(RunOptions, SeedIsRecorded) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--seed", "4242"}, {target("fp_flag")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report.value("seed", json()), json(4242)) << s.describe();
}

TEST(RunOptions, ArgvAndVersionInReport) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("exit_status"), "return3"});
  EXPECT_EQ(s.result.shell_status(), 3) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report.value("argv", json()), json::array({target("exit_status"), "return3"}));
  EXPECT_EQ(s.report.value("sigstorm", json()), json(SIGSTORM_VERSION));
  EXPECT_TRUE(s.report.contains("findings") && s.report["findings"].is_array()) << s.describe();
}

TEST(RunOptions, ReportFormatJsonExplicit) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const std::string out = dir.file("report.txt");  // extension says text; --format wins
  auto r = run({cli_path(), "run", "--format", "json", "-o", out, "--", target("unsafe_printf")});
  EXPECT_EQ(r.shell_status(), 66) << r.describe();
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << "not JSON:\n" << ss.str();
  EXPECT_FALSE(j["findings"].empty()) << j.dump(1);
}

TEST(RunOptions, TimeoutEndsTheRun) {
  REQUIRE_SIGSTORM();
  // A program that would wait forever for a signal nobody sends.
  RunOptions o;
  o.timeout = std::chrono::milliseconds(15000);
  auto r = run({cli_path(), "run", "--timeout", "300ms", "--", "/bin/sleep", "1000"}, o);
  EXPECT_FALSE(r.timed_out) << "--timeout 300ms did not end the run\n" << r.describe();
  EXPECT_NE(r.shell_status(), 0) << r.describe();
  EXPECT_TRUE(contains_icase(r.err, "timeout") || contains_icase(r.err, "timed out"))
      << "sigstorm says that it ended the run\n" << r.err;
}

TEST(CliVersion, VersionAndHelp) {
  REQUIRE_SIGSTORM();
  auto v = run({cli_path(), "--version"});
  EXPECT_EQ(v.shell_status(), 0) << v.describe();
  EXPECT_NE((v.out + v.err).find(SIGSTORM_VERSION), std::string::npos) << v.describe();
  auto h = run({cli_path(), "--help"});
  EXPECT_EQ(h.shell_status(), 0) << h.describe();
  EXPECT_NE(h.out.find("run"), std::string::npos) << h.describe();
}
