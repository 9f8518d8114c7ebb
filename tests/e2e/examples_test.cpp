// The bundled examples (examples/): each buggy one is caught with the
// lines marked "BUG:" in its source, each correct twin is clean, and all of
// them run on their own and exit 0 without sigstorm.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "harness.h"

using namespace e2e;

namespace {

struct Example {
  const char* name;
  const char* source;
  const char* kind;     // nullptr: a correct example, no findings
  const char* handler;  // the handler the findings name
};

const Example kExamples[] = {
    {"sigint_print", "sigint_print.c", "unsafe-call", "signal_handler"},
    {"sigint_flag", "sigint_flag.c", nullptr, nullptr},
    {"alarm_print", "alarm_print.c", "unsafe-call", "handler"},
    {"alarm_selfpipe", "alarm_selfpipe.c", nullptr, nullptr},
    {"threaded_handler", "threaded_handler.cpp", "unsafe-call", "on_terminate"},
    {"threaded_signalfd", "threaded_signalfd.cpp", nullptr, nullptr},
    {"handler_alloc", "handler_alloc.c", "unsafe-call", "report_status"},
    {"handler_prealloc", "handler_prealloc.c", nullptr, nullptr},
    {"errno_clobber", "errno_clobber.c", "errno-clobber", "reap_children"},
    {"errno_saved", "errno_saved.c", nullptr, nullptr},
};

void PrintTo(const Example& ex, std::ostream* os) { *os << ex.name; }

class Examples : public ::testing::TestWithParam<Example> {};

}  // namespace

TEST_P(Examples, RunAloneAndUnderSigstorm) {
  const Example& ex = GetParam();
  auto bare = run({example(ex.name)});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_FALSE(bare.out.empty()) << "an example prints what it does";

  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {example(ex.name)});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.out, bare.out) << "sigstorm changes nothing in the program's output";
  if (!ex.kind) {
    EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
    EXPECT_TRUE(s.findings().empty()) << s.describe();
    return;
  }
  EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
  auto found = s.findings(ex.kind);
  ASSERT_FALSE(found.empty()) << s.describe();
  for (const auto& f : found)
    EXPECT_TRUE(name_matches(f.value("handler", json()), ex.handler)) << f.dump(1);
  if (std::string(ex.kind) != "unsafe-call") return;

  // Every line marked BUG: is where some finding's stack leaves the handler,
  // and every finding points at a marked line.
  const auto marked = lines_with(example_source(ex.source), "BUG:");
  ASSERT_FALSE(marked.empty());
  std::set<int> hit;
  for (const auto& f : found) {
    bool at_marked = false;
    for (int line : marked)
      if (has_frame_at(f, ex.source, line)) {
        hit.insert(line);
        at_marked = true;
      }
    EXPECT_TRUE(at_marked) << "finding not at a BUG: line of " << ex.source << "\n" << f.dump(1);
  }
  for (int line : marked) EXPECT_TRUE(hit.count(line)) << "nothing reported at " << ex.source << ":" << line;
}

INSTANTIATE_TEST_SUITE_P(All, Examples, ::testing::ValuesIn(kExamples),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Demo, ScriptRunsAndShowsFindings) {
  REQUIRE_SIGSTORM();
  // scripts/demo on one buggy and one correct example: the text reports
  // with file:line for the bug, nothing for the twin; the script succeeds.
  RunOptions o;
  o.timeout = std::chrono::milliseconds(30000);
  // The build tree under test, not build/ (bin/sigstorm -> the tree).
  o.env_set = {{"SIGSTORM_BUILD_DIR", std::filesystem::path(cli_path()).parent_path().parent_path().string()}};
  auto r = run({source_path("scripts/demo"), "sigint_print", "sigint_flag"}, o);
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  const auto bug_lines = lines_with(example_source("sigint_print.c"), "BUG:");
  ASSERT_FALSE(bug_lines.empty());
  EXPECT_NE(r.out.find("sigint_print.c:" + std::to_string(bug_lines[0])), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("You pressed Ctrl+C! Stopping after 2 items."), std::string::npos) << r.out;
}
