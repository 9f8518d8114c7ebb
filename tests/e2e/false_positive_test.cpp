// False positives: correct programs get no findings, exit 0 and print the
// same as without sigstorm.
#include <gtest/gtest.h>

#include "harness.h"

using namespace e2e;

namespace {

void expect_clean(const std::string& name, std::string_view must_print) {
  auto c = run_both({target(name)});
  ASSERT_EQ(c.bare.shell_status(), 0) << c.bare.describe();
  ASSERT_NE(c.bare.out.find(must_print), std::string::npos) << c.bare.describe();
  expect_transparent(c);
  EXPECT_EQ(c.storm.result.shell_status(), 0);
}

}  // namespace

TEST(FalsePositive, FlagOnlyHandlers) {
  REQUIRE_SIGSTORM();
  expect_clean("fp_flag", "usr1=200 alarm=1 info=12");
}

TEST(FalsePositive, SigwaitThreadPrints) {
  REQUIRE_SIGSTORM();
  expect_clean("fp_sigwait", "sigtimedwait thread received signal 10");
}

TEST(FalsePositive, SignalfdThreadPrints) {
  REQUIRE_SIGSTORM();
  expect_clean("fp_signalfd", "signalfd thread received signal 1\n");
}

TEST(FalsePositive, SiglongjmpOutOfHandler) {
  REQUIRE_SIGSTORM();
  // After each jump main calls printf and malloc: not in a handler any more.
  expect_clean("fp_siglongjmp", "jumps=5 usr1_blocked=0 segv_blocked=0");
}

TEST(FalsePositive, SavedErrnoAndSafeCalls) {
  REQUIRE_SIGSTORM();
  // errno_preserved's "careful" handler calls open() (safe) and restores errno;
  // masks' handlers call raise() and sigprocmask() (safe).
  expect_clean("errno_preserved", "careful: errno=E2BIG");
  expect_clean("masks", "ok\n");
}
