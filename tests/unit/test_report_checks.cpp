// Finding kinds: names, severities, the --check list.
#include <gtest/gtest.h>

#include <fstream>

#include "inject/options/checks.h"

namespace sigstorm {
namespace {

TEST(Checks, NamesRoundTripInContractOrder) {
  const std::vector<std::string> want = {"unsafe-call",   "errno-clobber",     "reentrancy",
                                         "handler-hang",  "handler-crash",     "longjmp-mask",
                                         "handler-exception", "default-action", "no-exit"};
  ASSERT_EQ(all_kinds().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(kind_name(all_kinds()[i]), want[i]);
    EXPECT_EQ(parse_kind(want[i]), all_kinds()[i]);
    EXPECT_EQ(static_cast<size_t>(all_kinds()[i]), i + 1);
    EXPECT_FALSE(kind_help(all_kinds()[i]).empty());
    EXPECT_FALSE(kind_title(all_kinds()[i]).empty());
  }
  EXPECT_EQ(parse_kind("unsafe_call"), std::nullopt);
  EXPECT_EQ(kind_name(static_cast<wire::Kind>(42)), "");
}

TEST(Checks, Severities) {
  for (wire::Kind k : all_kinds()) {
    const bool warning = k == wire::kReentrancy || k == wire::kDefaultAction;
    EXPECT_EQ(severity_name(k), warning ? "warning" : "error") << kind_name(k);
    EXPECT_EQ(is_error(k), !warning);
  }
}

TEST(Checks, ParseList) {
  auto r = parse_checks("unsafe-call,reentrancy");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.mask, wire::check_bit(wire::kUnsafeCall) | wire::check_bit(wire::kReentrancy));
  EXPECT_EQ(format_checks(r.mask), "unsafe-call,reentrancy");
  r = parse_checks("all");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.mask, wire::kAllChecks);
  r = parse_checks("longjmp-mask,longjmp-mask");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.mask, wire::check_bit(wire::kLongjmpMask));
}

TEST(Checks, ParseErrorsNameTheOffendingItem) {
  auto r = parse_checks("unsafe-call,errno-clober");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.mask, 0u);
  EXPECT_NE(r.error.find("unknown check 'errno-clober'"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("--check"), std::string::npos) << r.error;
  EXPECT_FALSE(parse_checks("").ok);
  EXPECT_FALSE(parse_checks("unsafe-call,").ok);
  EXPECT_FALSE(parse_checks(",unsafe-call").ok);
  EXPECT_FALSE(parse_checks("Unsafe-Call").ok);
  EXPECT_NE(parse_checks("unsafe-call,,reentrancy").error.find("empty item"), std::string::npos);
}

}  // namespace
}  // namespace sigstorm

// README.md's findings table is the kinds table, row for row.
TEST(Kinds, ReadmeTableComesFromTheTable) {
  std::ifstream in(std::string(SIGSTORM_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in) << "README.md";
  std::string line, table;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("| finding | severity |", 0) == 0) inside = true;
    if (inside && line.empty()) break;
    if (inside) table += line + "\n";
  }
  EXPECT_EQ(table, sigstorm::kinds_markdown()) << "update README.md's findings table from inject/wire/kinds.def";
}
