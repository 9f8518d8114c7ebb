#include <gtest/gtest.h>

#include <vector>

#include "inject/options/spec.h"
#include "inject/wire/when.h"

namespace sigstorm {
namespace {

// The hits among 1..20 that fire.
std::vector<uint64_t> fired(uint64_t first, uint64_t last, uint64_t step, bool plus) {
  std::vector<uint64_t> hits;
  for (uint64_t hit = 1; hit <= 20; ++hit)
    if (when_selects(first, last, step, plus, hit)) hits.push_back(hit);
  return hits;
}

std::vector<uint64_t> fired(const char* when) {
  const std::string spec = std::string("USR1@call:read,when=") + when;
  auto r = parse_spec(spec);
  EXPECT_TRUE(r.ok) << r.error;
  const auto& i = r.injection;
  return fired(i.when_first, i.when_last, i.when_step, i.when_plus != 0);
}

using Hits = std::vector<uint64_t>;

TEST(When, Arithmetic) {
  EXPECT_EQ(fired(3, 3, 0, false), (Hits{3}));
  EXPECT_EQ(fired(3, 0, 0, false), (Hits{3}));
  EXPECT_EQ(fired(3, 0, 1, true), (Hits{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
  EXPECT_EQ(fired(3, 0, 0, true), fired(3, 0, 1, true));  // step 0 with '+' is step 1
  EXPECT_EQ(fired(3, 0, 2, true), (Hits{3, 5, 7, 9, 11, 13, 15, 17, 19}));
  EXPECT_EQ(fired(2, 8, 3, true), (Hits{2, 5, 8}));
  EXPECT_EQ(fired(2, 8, 0, false), (Hits{2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(fired(1, 0, 1, true).size(), 20u);
  EXPECT_FALSE(when_selects(2, 8, 3, true, 11));
  EXPECT_FALSE(when_selects(3, 0, 2, true, 1'000'000));
  EXPECT_TRUE(when_selects(3, 0, 2, true, 1'000'001));
  static_assert(when_selects(2, 8, 3, true, 5) && !when_selects(2, 8, 3, true, 6));
}

TEST(When, ThroughTheParser) {
  EXPECT_EQ(fired("3"), (Hits{3}));
  EXPECT_EQ(fired("3+"), (Hits{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
  EXPECT_EQ(fired("3+2"), (Hits{3, 5, 7, 9, 11, 13, 15, 17, 19}));
  EXPECT_EQ(fired("2..8+3"), (Hits{2, 5, 8}));
  EXPECT_EQ(fired("2..8"), (Hits{2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(fired("2..8+"), (Hits{2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(fired("5..5"), (Hits{5}));
  EXPECT_EQ(fired("1"), (Hits{1}));
  EXPECT_EQ(fired("21"), (Hits{}));
}

TEST(When, DefaultFiresOnEveryHit) {
  auto r = parse_spec("USR1@call:read");
  ASSERT_TRUE(r.ok) << r.error;
  const auto& i = r.injection;
  EXPECT_EQ(fired(i.when_first, i.when_last, i.when_step, i.when_plus != 0).size(), 20u);
}

}  // namespace
}  // namespace sigstorm
