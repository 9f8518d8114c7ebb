// Process tree and threads: findings from forked, exec'd, spawned, exiting,
// fd-closing and crashing children, and from a non-main thread's handler.
#include <gtest/gtest.h>

#include <csignal>

#include "harness.h"

using namespace e2e;

TEST(ProcessTree, FindingInForkedChild) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("child_fork.c"), "@line:printf-call");
  ASSERT_GT(line, 0);
  auto s = run_sigstorm({}, {target("child_fork")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report["exit"], json({{"code", 0}, {"signal", nullptr}})) << "the parent's exit";
  const int parent = int_field(s.result.out, "parent"), child = int_field(s.result.out, "child");
  ASSERT_GT(child, 0) << s.result.out;
  EXPECT_NE(s.result.out.find("child status=0"), std::string::npos) << s.result.out;
  auto f = s.findings("unsafe-call", "printf");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("pid", -1), child) << "parent=" << parent << "\n" << f[0].dump(1);
  EXPECT_TRUE(name_matches(f[0].value("handler", json()), "on_usr1_child")) << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "on_usr1_child", "child_fork.c", line)) << f[0].dump(1);
}

class ExecdChild : public ::testing::TestWithParam<const char*> {};

TEST_P(ExecdChild, FindingAfterExecWithoutLdPreloadInEnv) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("child_exec.c"), "@line:printf-call");
  ASSERT_GT(line, 0);
  const std::string mode = GetParam();
  auto bare = run({target("child_exec"), mode});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_NE(bare.out.find("custom env: kept"), std::string::npos) << bare.describe();

  auto s = run_sigstorm({}, {target("child_exec"), mode});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report["exit"], json({{"code", 0}, {"signal", nullptr}}));
  EXPECT_NE(s.result.out.find("custom env: kept"), std::string::npos) << "the program's own environment is kept\n"
                                                                       << s.result.out;
  const int child = int_field(s.result.out, "exec-child");
  ASSERT_GT(child, 0) << s.result.out;
  if (mode == "execve") {
    EXPECT_EQ(child, int_field(s.result.out, "parent"));
  }
  auto f = s.findings("unsafe-call", "printf");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("pid", -1), child) << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "on_usr1_exec", "child_exec.c", line)) << f[0].dump(1);
}

INSTANTIATE_TEST_SUITE_P(Ways, ExecdChild, ::testing::Values("fork-execve", "vfork-execve", "posix_spawn", "execve"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (!isalnum((unsigned char)ch)) ch = '_';
                           return n;
                         });

// The handler's watchdog slot is released by the image its exec started
// (the exec wrapper marks the entry): a slot left behind would be a false
// handler-hang once the second image outlived --hang-timeout.
TEST(ProcessTree, ExecFromAHandlerLeavesNoHang) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--check", "handler-hang", "--hang-timeout", "200ms"}, {target("exec_in_handler")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  const int first = int_field(s.result.out, "first");
  EXPECT_GT(first, 0) << s.result.out;
  EXPECT_EQ(int_field(s.result.out, "second"), first) << "exec from the handler kept the pid\n" << s.result.out;
  EXPECT_TRUE(s.findings("handler-hang").empty()) << s.describe();
  bool ran = false;
  for (const json& h : s.report["handlers"])
    if (h.value("signal", "") == "SIGUSR1") ran = h.value("ran", 0) == 1;
  EXPECT_TRUE(ran) << "the handler ran (and claimed its slot)\n" << s.report["handlers"].dump(1);
}

TEST(ProcessTree, ChildrenThatExitRightAfterTheFinding) {
  REQUIRE_SIGSTORM();
  const int malloc_line = line_of(target_source("child_exit.c"), "@line:malloc-call");
  const int fprintf_line = line_of(target_source("child_exit.c"), "@line:fprintf-call");
  auto bare = run({target("child_exit")});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  auto s = run_sigstorm({}, {target("child_exit")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("child A status=0\n"), std::string::npos) << s.result.out;
  EXPECT_NE(s.result.out.find("child B status=5\n"), std::string::npos) << s.result.out;
  EXPECT_EQ(s.result.err, bare.err) << "the children's stderr passes through";

  auto m = s.findings("unsafe-call", "malloc");
  ASSERT_EQ(m.size(), 1u) << s.describe();
  EXPECT_EQ(m[0].value("pid", -1), int_field(s.result.out, "childA")) << m[0].dump(1);
  EXPECT_TRUE(has_frame(m[0], "on_usr1_alloc", "child_exit.c", malloc_line)) << m[0].dump(1);

  auto p = s.findings("unsafe-call", "fprintf");
  ASSERT_EQ(p.size(), 1u) << "the handler _exit()s before returning: the finding must already be recorded\n"
                          << s.describe();
  EXPECT_EQ(p[0].value("pid", -1), int_field(s.result.out, "childB")) << p[0].dump(1);
  EXPECT_TRUE(has_frame(p[0], "on_usr2_exit", "child_exit.c", fprintf_line)) << p[0].dump(1);
}

TEST(ProcessTree, ChildThatClosedEveryFd) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("child_closefds.c"), "@line:malloc-call");
  auto s = run_sigstorm({}, {target("child_closefds")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("child status=0"), std::string::npos) << s.result.out;
  auto m = s.findings("unsafe-call", "malloc");
  ASSERT_EQ(m.size(), 1u) << s.describe();
  EXPECT_EQ(m[0].value("pid", -1), int_field(s.result.out, "child")) << m[0].dump(1);
  EXPECT_TRUE(has_frame(m[0], "on_usr1_nofds", "child_closefds.c", line)) << m[0].dump(1);
}

TEST(ProcessTree, CrashingChildren) {
  REQUIRE_SIGSTORM();
  const int printf_line = line_of(target_source("child_crash.c"), "@line:printf-call");
  const int crash_line = line_of(target_source("child_crash.c"), "@line:null-deref");
  auto bare = run({target("child_crash")});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_NE(bare.out.find("child A killed by signal 11"), std::string::npos) << bare.out;
  ASSERT_NE(bare.out.find("child B killed by signal 11"), std::string::npos) << bare.out;

  auto s = run_sigstorm({}, {target("child_crash")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report["exit"], json({{"code", 0}, {"signal", nullptr}}));
  // The children die exactly as they do bare.
  EXPECT_NE(s.result.out.find("child A killed by signal 11"), std::string::npos) << s.result.out;
  EXPECT_NE(s.result.out.find("child B killed by signal 11"), std::string::npos) << s.result.out;
  const int a = int_field(s.result.out, "childA"), b = int_field(s.result.out, "childB");

  auto p = s.findings("unsafe-call", "printf");
  ASSERT_EQ(p.size(), 1u) << s.describe();
  EXPECT_EQ(p[0].value("pid", -1), a) << p[0].dump(1);
  EXPECT_TRUE(has_frame(p[0], "on_usr1_print", "child_crash.c", printf_line)) << p[0].dump(1);

  auto c = s.findings("handler-crash");
  ASSERT_EQ(c.size(), 1u) << "only child B crashed inside a handler\n" << s.describe();
  EXPECT_EQ(c[0].value("pid", -1), b) << c[0].dump(1);
  EXPECT_EQ(c[0].value("signal", ""), "SIGUSR2") << c[0].dump(1);
  EXPECT_TRUE(has_frame(c[0], "on_usr2_crash", "child_crash.c", crash_line)) << c[0].dump(1);
}

TEST(Threads, FindingInNonMainThreadHandler) {
  REQUIRE_SIGSTORM();
  const int line = line_of(target_source("thread_handler.c"), "@line:printf-call");
  auto s = run_sigstorm({}, {target("thread_handler")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("joined"), std::string::npos) << s.result.out;
  const int main_pid = int_field(s.result.out, "main"), worker = int_field(s.result.out, "worker");
  ASSERT_GT(worker, 0);
  ASSERT_NE(worker, main_pid);
  auto f = s.findings("unsafe-call", "printf");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("pid", -1), main_pid) << f[0].dump(1);
  EXPECT_EQ(f[0].value("tid", -1), worker) << f[0].dump(1);
  EXPECT_TRUE(has_frame(f[0], "on_usr1_worker", "thread_handler.c", line)) << f[0].dump(1);
}
