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

TEST(Duration, Rejects) {
  for (auto s : {"", "ms", "5", "5 ms", " 5ms", "5ms ", "-5ms", "+5ms", "1.5s", "5m", "5h",
                 "5MS", "5sec", "5mss", "5 s", "s5", "0x10ms", "5us5"})
    EXPECT_EQ(parse_duration(s), std::nullopt) << "'" << s << "'";
}

TEST(Duration, Overflow) {
  EXPECT_EQ(parse_duration("18446744073709551615ns"), 18446744073709551615u);
  EXPECT_EQ(parse_duration("18446744073709551616ns"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999ns"), std::nullopt);
  EXPECT_EQ(parse_duration("18446744073s"), 18446744073'000'000'000u);
  EXPECT_EQ(parse_duration("18446744074s"), std::nullopt);
  EXPECT_EQ(parse_duration("18446744073709552ms"), std::nullopt);
}

TEST(Duration, Format) {
  EXPECT_EQ(format_duration(2'000'000'000), "2s");
  EXPECT_EQ(format_duration(1'500'000), "1500us");
  EXPECT_EQ(format_duration(50'000'000), "50ms");
  EXPECT_EQ(format_duration(200'000), "200us");
  EXPECT_EQ(format_duration(1'001), "1001ns");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(18446744073709551615u), "18446744073709551615ns");
  for (uint64_t ns : {1ull, 999ull, 1000ull, 123'000'000'000ull, 1'500'000'000ull})
    EXPECT_EQ(parse_duration(format_duration(ns)), ns);
}

}  // namespace
}  // namespace sigstorm
