// Bare LD_PRELOAD: no CLI, only LD_PRELOAD=libsigstorm.so (and
// SIGSTORM_OPTIONS). Reports come as a sanitizer's: on stderr, or in
// log_path.PID, for every process of the tree however it ended.
//
// The watcher keeps the program's stderr until every report is out, and the
// harness reads stderr to its end: when run() returns, the reports are there.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace {

using e2e::RunOptions;
using e2e::RunResult;

const std::string kSource = e2e::target_source("bare_tree.c");

RunResult bare(const std::vector<std::string>& argv, const std::string& options = "",
               const std::string& cli = "") {
  RunOptions o;
  o.env_set = {{"LD_PRELOAD", e2e::shim_path()}};
  if (!cli.empty()) o.env_set.push_back({"SIGSTORM_CLI", cli});
  if (!options.empty()) o.env_set.push_back({"SIGSTORM_OPTIONS", options});
  return e2e::run(argv, o);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The printf finding of bare_tree.c with its file:line, in `text`.
void expect_printf_finding(const std::string& text, int pid) {
  const std::string line = "bare_tree.c:" + std::to_string(e2e::line_of(kSource, "@line:bare-printf"));
  EXPECT_NE(text.find("==" + std::to_string(pid) + "==ERROR: sigstorm: unsafe-call: printf called from handler on_usr1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(line), std::string::npos) << "want " << line << " in:\n" << text;
  EXPECT_NE(text.find("SUMMARY: sigstorm: 1 error"), std::string::npos) << text;
}

TEST(BarePreload, FindingOnStderrWithFileLineAndTheProgramsOwnStatus) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "unsafe", "5"});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 5) << "exitcode unset: the program's own status";
  EXPECT_NE(r.out.find("handler: got signal 10"), std::string::npos) << r.out;
  expect_printf_finding(r.err, e2e::int_field(r.out, "pid"));
}

// color= as --color: stderr here is a pipe, so auto (the default) is plain;
// always colours it, and NO_COLOR does not override an explicit always.
TEST(BarePreload, ColorKeyColoursTheReport) {
  REQUIRE_SIGSTORM();
  const std::string esc = "\x1b[";
  const RunResult plain = bare({e2e::target("bare_tree"), "unsafe"});
  ASSERT_NE(plain.err.find("unsafe-call: printf"), std::string::npos) << plain.describe();
  EXPECT_EQ(plain.err.find(esc), std::string::npos) << plain.err;
  const RunResult colored = bare({e2e::target("bare_tree"), "unsafe"}, "color=always");
  ASSERT_NE(colored.err.find("unsafe-call"), std::string::npos) << colored.describe();
  EXPECT_NE(colored.err.find(esc), std::string::npos) << colored.err;
  const RunResult never = bare({e2e::target("bare_tree"), "unsafe"}, "color=never");
  ASSERT_NE(never.err.find("unsafe-call: printf"), std::string::npos) << never.describe();
  EXPECT_EQ(never.err.find(esc), std::string::npos) << never.err;
  const RunResult bad = bare({e2e::target("bare_tree"), "unsafe"}, "color=sometimes");
  ASSERT_TRUE(bad.exited) << bad.describe();
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("color='sometimes'"), std::string::npos) << bad.err;
}

// A shell and the two programs it starts: one watcher, one report each.
TEST(BarePreload, EveryProcessOfTheTreeReportsItsOwnFindings) {
  REQUIRE_SIGSTORM();
  const std::string t = e2e::target("bare_tree");
  const RunResult r = bare({"/bin/sh", "-c", t + " unsafe; " + t + " unsafe 4"});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 4) << "the shell's own status";
  const size_t second = r.out.find("pid=", r.out.find("pid=") + 1);
  ASSERT_NE(second, std::string::npos) << r.out;
  const int first_pid = e2e::int_field(r.out, "pid"), second_pid = e2e::int_field(r.out.substr(second), "pid");
  ASSERT_NE(first_pid, second_pid);
  const size_t end_first = r.err.find('\n', r.err.find("SUMMARY"));
  ASSERT_NE(end_first, std::string::npos) << r.err;
  expect_printf_finding(r.err.substr(0, end_first), first_pid);
  expect_printf_finding(r.err.substr(end_first), second_pid);
}

// inject= (quoted: a SPEC has ':') fires after:DUR in the first process.
TEST(BarePreload, InjectFiresInTheFirstProcess) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "wait"}, "inject='USR1@after:20ms' seed=5");
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("handled=1"), std::string::npos) << "the injection reached the handler: " << r.out;
  expect_printf_finding(r.err, e2e::int_field(r.out, "pid"));
  EXPECT_NE(r.err.find("sigstorm: injection USR1@after:20ms fired 1 time"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; seed 5"), std::string::npos) << r.err;
}

TEST(BarePreload, ExitcodeChangesTheStatusOfAProcessWithAnError) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "unsafe", "0"}, "exitcode=66");
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 66) << r.describe();
  EXPECT_NE(r.out.find("handler: got signal 10"), std::string::npos) << "stdio flushed before the new status: " << r.out;
  expect_printf_finding(r.err, e2e::int_field(r.out, "pid"));
}

// suppressions= as for `sigstorm run`: the printf finding is suppressed, so
// nothing is printed and exitcode= does not apply (the same run without the
// file exits 66: ExitcodeChangesTheStatusOfAProcessWithAnError).
TEST(BarePreload, SuppressedFindingsPrintNothingAndKeepTheStatus) {
  REQUIRE_SIGSTORM();
  e2e::TempDir dir;
  { std::ofstream(dir.file("supp")) << "unsafe-call:printf\n"; }
  const RunResult r = bare({e2e::target("bare_tree"), "unsafe", "0"}, "exitcode=66:suppressions=" + dir.file("supp"));
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("handler: got signal 10"), std::string::npos) << "the handler ran: " << r.out;
  EXPECT_EQ(r.err, "") << r.err;
}

TEST(BarePreload, CleanProgramPrintsNothingAndKeepsItsOutputAndStatus) {
  REQUIRE_SIGSTORM();
  const RunResult plain = e2e::run({e2e::target("bare_tree"), "clean"});
  const RunResult r = bare({e2e::target("bare_tree"), "clean"}, "exitcode=66");
  ASSERT_TRUE(plain.exited && r.exited) << plain.describe() << r.describe();
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(plain.exit_code, 7);
  EXPECT_NE(r.out.find("handled=1"), std::string::npos) << "the handler ran: " << r.out;
  // Only the pid differs between the two runs.
  auto without_pid = [](std::string s) { return s.substr(s.find('\n') + 1); };
  EXPECT_EQ(without_pid(r.out), without_pid(plain.out));
  EXPECT_EQ(r.err, "") << r.err;
  // The same preload does check: the unsafe mode is reported.
  const RunResult unsafe = bare({e2e::target("bare_tree"), "unsafe"});
  EXPECT_NE(unsafe.err.find("unsafe-call"), std::string::npos) << unsafe.describe();
}

// A forked child makes the finding, then dies of SIGSEGV (its report comes
// from the shim's crash catcher) or is SIGKILLed (the watcher sees it gone).
TEST(BarePreload, LogPathHasTheFindingOfAChildThatCrashedOrWasKilled) {
  REQUIRE_SIGSTORM();
  for (const auto& [mode, sig] : std::vector<std::pair<std::string, int>>{{"child-crash", SIGSEGV}, {"child-kill", SIGKILL}}) {
    SCOPED_TRACE(mode);
    e2e::TempDir dir;
    const RunResult r = bare({e2e::target("bare_tree"), mode}, "log_path=" + dir.file("log"));
    ASSERT_TRUE(r.exited) << r.describe();
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("child-status=signal " + std::to_string(sig)), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "") << "with log_path nothing goes to stderr";
    const int child = e2e::int_field(r.out, "child");
    ASSERT_GT(child, 0) << r.out;
    EXPECT_EQ(files_in(dir.path), std::vector<std::string>{"log." + std::to_string(child)})
        << "the parent made no finding: no file of its own";
    expect_printf_finding(slurp(dir.file("log." + std::to_string(child))), child);
  }
}

// _exit runs no destructor: its wrapper asks for the report (and applies
// exitcode=); without exitcode the status is _exit's own.
TEST(BarePreload, UnderscoreExitLosesNothing) {
  REQUIRE_SIGSTORM();
  const RunResult own = bare({e2e::target("bare_tree"), "_exit"});
  ASSERT_TRUE(own.exited) << own.describe();
  EXPECT_EQ(own.exit_code, 3);
  expect_printf_finding(own.err, e2e::int_field(own.out, "pid"));
  e2e::TempDir dir;
  const RunResult r = bare({e2e::target("bare_tree"), "_exit"}, "exitcode=66:log_path=" + dir.file("log"));
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 66);
  const int pid = e2e::int_field(r.out, "pid");
  expect_printf_finding(slurp(dir.file("log." + std::to_string(pid))), pid);
}

TEST(BarePreload, ExecKeepsTheFirstImagesFinding) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "exec"});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 7) << "the exec'd image's status";
  EXPECT_NE(r.out.find("hello"), std::string::npos) << "the exec'd image ran: " << r.out;
  expect_printf_finding(r.err, e2e::int_field(r.out, "pid"));
}

// As under `sigstorm run` (Trust.FindingsSurviveAPrivilegeDropAndExec): the
// image that runs as nobody cannot open the run file and gets it from the
// watcher.
TEST(BarePreload, FindingsSurviveAPrivilegeDropAndExec) {
  REQUIRE_SIGSTORM();
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  const std::string setpriv = "/usr/bin/setpriv";
  if (access(setpriv.c_str(), X_OK) != 0) GTEST_SKIP() << "no " << setpriv;
  const RunResult r = bare({setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", e2e::target("sigerr_prev")});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.err.find("cannot open the run file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("printf called from handler on_usr1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("printf called from handler on_usr2"), std::string::npos) << r.err;
}

TEST(BarePreload, AHungHandlerIsReportedAndItsProcessEnded) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("hang_mutex")}, "hang_timeout=200ms");
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.term_signal, SIGKILL) << "the watchdog ends a hung process: " << r.describe();
  EXPECT_NE(r.err.find("ERROR: sigstorm: handler-hang"), std::string::npos) << r.err;
  const std::string line = "hang_mutex.c:" + std::to_string(e2e::line_of(e2e::target_source("hang_mutex.c"), "@line:handler-lock"));
  EXPECT_NE(r.err.find(line), std::string::npos) << "want " << line << " in:\n" << r.err;
}

// An unknown key (the shim says so) and a bad value (the watcher, with the
// CLI's parsers): one line naming the key, exit 2, main never ran.
TEST(BarePreload, UnknownKeyOrBadValueIsOneLineAndExit2BeforeMain) {
  REQUIRE_SIGSTORM();
  for (const auto& [options, named] : std::vector<std::pair<std::string, std::string>>{
           {"exitcode=3:colour=never", "'colour'"},
           {"hang_timeout=soon", "hang_timeout='soon'"},
           {"checks=unsafe-call,nope", "checks="},
           {"exitcode=300", "exitcode="}}) {
    SCOPED_TRACE(options);
    const RunResult r = bare({e2e::target("bare_tree"), "clean"}, options);
    ASSERT_TRUE(r.exited) << r.describe();
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "") << "main never ran";
    EXPECT_EQ(e2e::count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
  }
}

TEST(BarePreload, HelpListsTheKeysAndGoesOn) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "clean"}, "help=1");
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 7) << "the program ran";
  for (const char* key : {"checks=", "log_path=", "exitcode=", "hang_timeout=", "help="})
    EXPECT_NE(r.err.find(key), std::string::npos) << key << " in:\n" << r.err;
}

// Without a CLI to render reports the program runs as it would bare, and
// says so once; help=1 still lists the keys (the shim's own list).
TEST(BarePreload, WithoutTheCliTheProgramRunsUncheckedAndSaysSo) {
  REQUIRE_SIGSTORM();
  const RunResult r = bare({e2e::target("bare_tree"), "unsafe", "5"}, "help=1", "/nonexistent/sigstorm");
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.out.find("handler: got signal 10"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("sigstorm: warning: no sigstorm CLI at /nonexistent/sigstorm"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("log_path=PATH"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("ERROR"), std::string::npos) << r.err;
}

}  // namespace
