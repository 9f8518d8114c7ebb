// Programs that make a checker's life hard: daemons, descriptor wreckers,
// signal blockers, raw system calls, handlers that install handlers, the
// alternate signal stack, vfork/posix_spawn with a scrubbed environment,
// handlers in dlclose()d libraries, SIGKILL.
#include <gtest/gtest.h>

#include "harness.h"

namespace {

using e2e::line_of;
using e2e::target;
using e2e::target_source;

TEST(Hostile, DaemonFindingsReachTheReport) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {target("hostile_daemon")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.out, "starting\n");
  auto found = r.findings("unsafe-call");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_TRUE(e2e::has_frame(found[0], "on_usr1", "hostile_daemon.c",
                             line_of(target_source("hostile_daemon.c"), "@line:daemon-printf")))
      << found[0].dump(1);
  // The daemon is not the process sigstorm started.
  EXPECT_NE(found[0]["pid"], r.report["processes"][0]["pid"]) << r.describe();
}

TEST(Hostile, DescriptorsReplacedByDevNull) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {target("hostile_fds")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.shell_status(), 66);
  EXPECT_EQ(r.report["exit"]["code"], 3);
  auto found = r.findings("unsafe-call", "snprintf");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_TRUE(e2e::has_frame(found[0], "on_usr1", "hostile_fds.c",
                             line_of(target_source("hostile_fds.c"), "@line:fds-snprintf")));
}

TEST(Hostile, EverySignalBlockedUnderAStorm) {
  REQUIRE_SIGSTORM();
  // SIGWINCH: a storm from the first millisecond, before main() runs, must not
  // kill the program (its default action is to ignore).
  auto c = e2e::run_both({target("hostile_blockall")}, {}, {"--inject", "WINCH@every:1ms"});
  e2e::expect_transparent(c);
  EXPECT_EQ(c.bare.out, "blocked all; still here\n");
  EXPECT_GT(c.storm.report["injections"][0]["fired"].get<int>(), 0) << c.storm.describe();
}

TEST(Hostile, RawRtSigactionIsNotedAsUnchecked) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {target("hostile_raw")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.shell_status(), 0) << r.describe();
  const std::string notes = r.report["notes"].dump();
  EXPECT_NE(notes.find("SIGUSR2"), std::string::npos) << r.describe();
  EXPECT_NE(notes.find("not checked"), std::string::npos) << r.describe();
}

TEST(Hostile, SigactionInsideAHandler) {
  REQUIRE_SIGSTORM();
  auto c = e2e::run_both({target("hostile_nested_install")});
  e2e::expect_transparent(c);
  EXPECT_EQ(c.bare.out, "first=1 second=1 now_second=1\n");
}

TEST(Hostile, AlternateSignalStack) {
  REQUIRE_SIGSTORM();
  auto c = e2e::run_both({target("hostile_altstack")});
  EXPECT_EQ(c.bare.out, "on_altstack=1\n");
  EXPECT_EQ(c.storm.result.out, c.bare.out);
  auto found = c.storm.findings("unsafe-call", "malloc");
  ASSERT_EQ(found.size(), 1u) << c.storm.describe();
  EXPECT_TRUE(e2e::has_frame(found[0], "on_usr1", "hostile_altstack.c",
                             line_of(target_source("hostile_altstack.c"), "@line:alt-malloc")));
}

TEST(Hostile, VforkAndPosixSpawnWithAScrubbedEnvironment) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {target("hostile_spawn")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_NE(r.result.out.find("vfork child exit=0"), std::string::npos) << r.describe();
  EXPECT_NE(r.result.out.find("spawn child exit=0"), std::string::npos) << r.describe();
  auto found = r.findings("unsafe-call", "printf");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  // Two children, one finding each, merged.
  EXPECT_EQ(found[0]["pids"].size(), 2u) << found[0].dump(1);
}

TEST(Hostile, HandlerInADlclosedLibrary) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {target("hostile_dlclose")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.out, "closed\n");
  auto found = r.findings("unsafe-call", "malloc");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_TRUE(e2e::name_matches(found[0]["handler"], "lib_handler")) << found[0].dump(1);
  EXPECT_TRUE(e2e::has_frame(found[0], "lib_handler", "handler_lib.c",
                             line_of(target_source("lib/handler_lib.c"), "@line:lib-malloc")))
      << found[0].dump(1);
}

TEST(Hostile, SigkilledProcessKeepsItsFindings) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({"--timeout", "300ms"}, {target("hostile_killed")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.report["exit"]["signal"], "SIGKILL") << r.describe();
  auto found = r.findings("unsafe-call", "puts");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_TRUE(e2e::has_frame(found[0], "on_usr1", "hostile_killed.c",
                             line_of(target_source("hostile_killed.c"), "@line:killed-puts")));
}

}  // namespace
