#include <gtest/gtest.h>

#include "inject/options/duration.h"

namespace sigstorm {
namespace {

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration("200us"), 200'000u);
  EXPECT_EQ(parse_duration("50ms"), 50'000'000u);
  EXPECT_EQ(parse_duration("2s"), 2'000'000'000u);
  EXPECT_EQ(parse_duration("7ns"), 7u);
  EXPECT_EQ(parse_duration("0ms"), 0u);
  EXPECT_EQ(parse_duration("007ms"), 7'000'000u);
}

// As timeout(1) and libFuzzer's -max_total_time: a bare number is seconds;
// minutes, hours and fractions that make whole nanoseconds.
TEST(Duration, SecondsMinutesHoursAndFractions) {
  EXPECT_EQ(parse_duration("5"), 5'000'000'000u);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000'000u);
  EXPECT_EQ(parse_duration("0.25"), 250'000'000u);
  EXPECT_EQ(parse_duration("10m"), 600'000'000'000u);
  EXPECT_EQ(parse_duration("1h"), 3'600'000'000'000u);
  EXPECT_EQ(parse_duration("1.5m"), 90'000'000'000u);
  EXPECT_EQ(parse_duration("2.5us"), 2'500u);
  EXPECT_EQ(parse_duration("0.000000001s"), 1u);
  EXPECT_EQ(parse_duration("1.50ms"), 1'500'000u);
}

TEST(Duration, Rejects) {
  for (auto s : {"", "ms", "5 ms", " 5ms", "5ms ", "-5ms", "+5ms", "1.5ns", "0.0000000001s", ".5s", "5.s", "1.2.3s",
                 "5MS", "5H", "5min", "5sec", "5mss", "5 s", "s5", "0x10ms", "5us5"})
    EXPECT_EQ(parse_duration(s), std::nullopt) << "'" << s << "'";
}

TEST(Duration, Overflow) {
  EXPECT_EQ(parse_duration("18446744073709551615ns"), 18446744073709551615u);
  EXPECT_EQ(parse_duration("18446744073709551616ns"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999ns"), std::nullopt);
  EXPECT_EQ(parse_duration("18446744073s"), 18446744073'000'000'000u);
  EXPECT_EQ(parse_duration("18446744074s"), std::nullopt);
  EXPECT_EQ(parse_duration("18446744073709552ms"), std::nullopt);
  EXPECT_EQ(parse_duration("5124096h"), std::nullopt);
  EXPECT_EQ(parse_duration("18446744073.709551615"), 18446744073709551615u);
  EXPECT_EQ(parse_duration("18446744073.709551616"), std::nullopt);
  EXPECT_EQ(parse_duration("1.00000000000000000000000000000000000000000s"), std::nullopt);
}

TEST(Duration, Format) {
  EXPECT_EQ(format_duration(2'000'000'000), "2s");
  EXPECT_EQ(format_duration(1'500'000), "1500us");
  EXPECT_EQ(format_duration(50'000'000), "50ms");
  EXPECT_EQ(format_duration(200'000), "200us");
  EXPECT_EQ(format_duration(1'001), "1001ns");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(600'000'000'000), "600s");
  EXPECT_EQ(format_duration(18446744073709551615u), "18446744073709551615ns");
  for (uint64_t ns : {1ull, 999ull, 1000ull, 123'000'000'000ull, 1'500'000'000ull})
    EXPECT_EQ(parse_duration(format_duration(ns)), ns);
}

}  // namespace
}  // namespace sigstorm
