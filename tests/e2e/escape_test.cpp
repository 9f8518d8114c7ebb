// Handlers that never return, return twice, or leave by a jump:
// handler-hang, reentrancy, longjmp-mask.
#include <gtest/gtest.h>

#include <chrono>

#include "harness.h"

namespace {

TEST(HandlerHang, MutexDeadlockIsReportedAndTheRunEnds) {
  REQUIRE_SIGSTORM();
  e2e::RunOptions options;
  options.timeout = std::chrono::seconds(20);  // the harness's own guard: never hang
  auto r = e2e::run_sigstorm({"--hang-timeout", "300ms"}, {e2e::target("hang_mutex")}, options);
  ASSERT_FALSE(r.result.timed_out) << r.describe();
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.shell_status(), 66) << r.describe();
  auto hangs = r.findings("handler-hang");
  ASSERT_EQ(hangs.size(), 1u) << r.describe();
  const auto& f = hangs[0];
  EXPECT_EQ(f["signal"], "SIGUSR1");
  EXPECT_TRUE(e2e::name_matches(f["handler"], "on_usr1")) << f.dump(1);
  // The stack is the stuck thread's: inside the handler, at the lock.
  const std::string src = e2e::target_source("hang_mutex.c");
  EXPECT_TRUE(e2e::has_frame(f, "on_usr1", "hang_mutex.c", e2e::line_of(src, "@line:handler-lock"))) << f.dump(1);
  EXPECT_TRUE(e2e::has_frame(f, "main", "hang_mutex.c", e2e::line_of(src, "@line:raise"))) << f.dump(1);
  // And what it was blocked in.
  EXPECT_NE(f.dump().find("pthread_mutex_lock"), std::string::npos) << f.dump(1);
  EXPECT_EQ(r.result.out, "locking\n");
}

TEST(HandlerHang, OffWhenNotChecked) {
  REQUIRE_SIGSTORM();
  e2e::RunOptions options;
  options.timeout = std::chrono::seconds(20);
  // Without the check, only --timeout ends the deadlock.
  auto r = e2e::run_sigstorm({"--check", "unsafe-call", "--hang-timeout", "100ms", "--timeout", "1s"},
                             {e2e::target("hang_mutex")}, options);
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_TRUE(r.findings("handler-hang").empty()) << r.describe();
  EXPECT_NE(r.report["notes"].dump().find("--timeout"), std::string::npos) << r.describe();
}

TEST(Reentrancy, NodeferHandlerEnteredAgain) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {e2e::target("reentrant"), "nodefer"});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.out, "runs=2 max_depth=2\n");
  auto found = r.findings("reentrancy");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_EQ(found[0]["severity"], "warning");
  EXPECT_TRUE(e2e::name_matches(found[0]["handler"], "self_handler")) << found[0].dump(1);
  // A warning alone keeps the program's exit status.
  EXPECT_EQ(r.result.shell_status(), 0) << r.describe();
}

TEST(Reentrancy, HandlerSharedBySignalsThatDoNotBlockEachOther) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {e2e::target("reentrant"), "shared"});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.out, "runs=2 max_depth=2\n");
  EXPECT_EQ(r.findings("reentrancy").size(), 1u) << r.describe();
}

TEST(Reentrancy, MaskedHandlerIsNotReentered) {
  REQUIRE_SIGSTORM();
  auto c = e2e::run_both({e2e::target("reentrant"), "masked"});
  e2e::expect_transparent(c);
  EXPECT_EQ(c.bare.out, "runs=2 max_depth=1\n");
}

TEST(LongjmpMask, LongjmpLeavesTheSignalBlocked) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {e2e::target("longjmp_mask")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.result.out, "round 0: SIGUSR1 blocked=1\n");
  auto found = r.findings("longjmp-mask");
  ASSERT_EQ(found.size(), 1u) << r.describe();
  EXPECT_EQ(found[0]["signal"], "SIGUSR1");
  EXPECT_TRUE(e2e::name_matches(found[0]["handler"], "jump_out")) << found[0].dump(1);
}

TEST(LongjmpMask, SiglongjmpWithSavedMaskIsFine) {
  REQUIRE_SIGSTORM();
  auto c = e2e::run_both({e2e::target("longjmp_mask"), "siglongjmp"});
  e2e::expect_transparent(c);
  EXPECT_EQ(c.bare.out, "round 0: SIGUSR1 blocked=0\nround 1: SIGUSR1 blocked=0\n");
}

}  // namespace
