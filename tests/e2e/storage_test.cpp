// The run file has preallocated room for findings; when it fills, the report
// says how many findings were dropped, never silently.
#include <gtest/gtest.h>

#include "harness.h"

namespace {

TEST(Storage, DroppedFindingsAreCounted) {
  REQUIRE_SIGSTORM();
  e2e::RunOptions options;
  // handler_alloc's handler makes three distinct unsafe calls (malloc,
  // snprintf, free): with room for two, one is dropped.
  options.env_set = {{"SIGSTORM_RECORD_LIMIT", "2"}};
  auto r = e2e::run_sigstorm({}, {e2e::example("handler_alloc")}, options);
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.findings().size(), 2u) << r.describe();
  EXPECT_EQ(r.report["dropped"], 1) << r.describe();
  bool noted = false;
  for (const auto& note : r.report["notes"]) noted |= note.get<std::string>().find("dropped") != std::string::npos;
  EXPECT_TRUE(noted) << r.describe();
}

TEST(Storage, NothingDroppedWithRoom) {
  REQUIRE_SIGSTORM();
  auto r = e2e::run_sigstorm({}, {e2e::example("handler_alloc")});
  ASSERT_TRUE(r.report_ok) << r.describe();
  EXPECT_EQ(r.findings("unsafe-call").size(), 3u) << r.describe();
  EXPECT_EQ(r.report["dropped"], 0) << r.describe();
}

}  // namespace
