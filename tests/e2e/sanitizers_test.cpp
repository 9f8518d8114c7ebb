// Programs built with -fsanitize=address and -fsanitize=thread, by gcc
// (shared runtime: libasan.so.8, libtsan.so.2) and by clang (the runtime is
// in the executable): sigstorm's findings and the sanitizer's both appear,
// each naming the program's own line, and the exit status is the program's.
// Targets: tests/e2e/sanitizers/san_handler.c, built in tests/CMakeLists.txt.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "harness.h"
#include "inject/run/program.h"

using namespace e2e;

namespace {

enum class San { kAddress, kThread, kOther };

struct Build {
  const char* name;  // san_handler_CC_SAN
  San san;
  const char* sanitizer;  // as detect_sanitizer names it
  const char* runtime;    // gcc's shared runtime (DT_NEEDED), "" when static
  // The sanitizer's own finding: san_handler's mode, the report's words, the line's marker.
  const char* mode;
  const char* finding;
  const char* marker;
};

constexpr Build kAsan[] = {
    {"san_handler_gcc_address", San::kAddress, "AddressSanitizer", "libasan.so.", "uaf", "heap-use-after-free", "@line:uaf"},
    {"san_handler_clang_address", San::kAddress, "AddressSanitizer", "", "uaf", "heap-use-after-free", "@line:uaf"},
};
constexpr Build kTsan[] = {
    {"san_handler_gcc_thread", San::kThread, "ThreadSanitizer", "libtsan.so.", "race", "data race", "@line:race-main"},
    {"san_handler_clang_thread", San::kThread, "ThreadSanitizer", "", "race", "data race", "@line:race-main"},
};
// UBSan and MSan: detected, the handler's calls found, their own finding made.
constexpr Build kOther[] = {
    {"san_handler_gcc_undefined", San::kOther, "UndefinedBehaviorSanitizer", "libubsan.so.", "overflow",
     "signed integer overflow", "@line:overflow"},
    {"san_handler_clang_undefined", San::kOther, "UndefinedBehaviorSanitizer", "", "overflow",
     "signed integer overflow", "@line:overflow"},
    {"san_handler_clang_memory", San::kOther, "MemorySanitizer", "", "uninit", "use-of-uninitialized-value",
     "@line:uninit"},
};

// How ctest names a parameter.
void PrintTo(const Build& b, std::ostream* os) { *os << b.name; }

std::string source() { return source_path("tests/e2e/sanitizers/san_handler.c"); }

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class Sanitized : public testing::TestWithParam<Build> {
 public:
  static std::string name(const testing::TestParamInfo<Build>& i) { return std::string(i.param.name).substr(12); }

 protected:
  void SetUp() override {
    program_ = target(GetParam().name);
    if (!exists(program_))
      GTEST_SKIP() << program_ << " was not built: the compiler or its sanitizer runtime is missing "
                   << "(tests/CMakeLists.txt says which at configure time)";
  }
  std::string program_;
};

// The sanitizer's report (on the program's stderr) names the program's line
// and none of sigstorm's sources.
void expect_sanitizer_report(const std::string& err, std::string_view what, int line) {
  EXPECT_NE(err.find(what), std::string::npos) << "want the sanitizer's " << what << " report\n" << err;
  EXPECT_NE(err.find("san_handler.c:" + std::to_string(line)), std::string::npos)
      << "the sanitizer's report names the program's line " << line << "\n" << err;
  EXPECT_EQ(err.find("preload/"), std::string::npos) << "sigstorm's frames are in the sanitizer's report\n" << err;
  EXPECT_EQ(err.find("libsigstorm"), std::string::npos) << "sigstorm's frames are in the sanitizer's report\n" << err;
}

// Tests for TSan builds only.
class Tsan : public Sanitized {};

}  // namespace

// libelf's reading of the program: the runtime, shared (gcc) or static
// (clang); only a shared ASan or TSan runtime goes first in LD_PRELOAD.
TEST_P(Sanitized, RuntimeIsDetected) {
  const sigstorm::Sanitizer s = sigstorm::detect_sanitizer(program_);
  EXPECT_EQ(s.name, GetParam().sanitizer);
  const std::string runtime = GetParam().runtime;
  EXPECT_EQ(s.runtime.substr(0, runtime.size()), runtime);
  EXPECT_EQ(s.runtime.empty(), runtime.empty()) << s.runtime;
  EXPECT_EQ(s.runtime_first, !runtime.empty() && GetParam().san != San::kOther);
}

// The handler's malloc, free and printf are unsafe-call findings at the
// program's lines, also where the sanitizer owns malloc (its interceptors
// come first: the shim sees them through the sanitizer's malloc hooks).
TEST_P(Sanitized, HandlerCallsAreFindingsAtTheProgramsLines) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--error-exitcode", "42"}, {program_, "handler"});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(field(s.result.out, "seen"), "120") << "the handler ran\n" << s.describe();
  EXPECT_EQ(s.result.err.find("does not come first"), std::string::npos) << s.describe();
  for (const char* call : {"malloc", "free", "printf"}) {
    const int line = line_of(source(), std::string("@line:") + call + "-call");
    ASSERT_GT(line, 0);
    auto f = s.findings("unsafe-call", call);
    ASSERT_EQ(f.size(), 1u) << call << "\n" << s.describe();
    EXPECT_TRUE(name_matches(f[0].value("handler", json()), "on_usr1"))
        << "the program's handler, not the sanitizer's\n" << f[0].dump(1);
    // Named where it starts, as any handler (not at this call's line, which
    // split one handler's findings into three groups under TSan and MSan).
    EXPECT_EQ(f[0]["handler_frame"].value("line", 0), line_of(source(), "@line:on_usr1")) << f[0].dump(1);
    EXPECT_TRUE(has_frame(f[0], "on_usr1", "san_handler.c", line)) << call << " at line " << line << "\n"
                                                                  << f[0].dump(1);
    // The stack starts at the call: frame 1 is the program's line, not the
    // sanitizer's allocator or interceptor.
    ASSERT_GE(f[0]["stack"].size(), 2u) << f[0].dump(1);
    EXPECT_EQ(f[0]["stack"][1].value("line", 0), line) << f[0].dump(1);
  }
  // And nothing else: not the calls the sanitizer's interceptors make
  // (clang's ASan calls pthread_getspecific from malloc's).
  EXPECT_EQ(s.findings("unsafe-call").size(), 3u) << s.describe();
  const auto handlers = s.report.value("handlers", json::array());
  ASSERT_EQ(handlers.size(), 1u) << s.describe();
  EXPECT_TRUE(name_matches(handlers[0].value("handler", json()), "on_usr1")) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 42) << "an error finding: --error-exitcode\n" << s.describe();
}

// A call outside the table (strsignal) is checked by the audit library,
// which loads with every runtime but clang's TSan; that build's report says
// that such calls went unchecked.
TEST_P(Sanitized, CallsOutsideTheTableAreCheckedExceptUnderClangsTsan) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {program_, "audited"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(field(s.result.out, "seen"), "3") << "the handler ran\n" << s.describe();
  auto f = s.findings("unsafe-call", "strsignal");
  bool noted = false;
  for (const json& n : s.report.value("notes", json::array()))
    noted |= n.is_string() && n.get<std::string>().find("only the calls sigstorm interposes") != std::string::npos;
  const bool audited = std::string(GetParam().runtime) != "" || GetParam().san != San::kThread;
  EXPECT_EQ(sigstorm::detect_sanitizer(program_).takes_audit(), audited);
  if (!audited) {
    EXPECT_TRUE(f.empty()) << s.describe();
    EXPECT_TRUE(noted) << s.describe();
    return;
  }
  EXPECT_FALSE(noted) << s.describe();
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_TRUE(has_frame(f[0], "on_hup", "san_handler.c", line_of(source(), "@line:strsignal-call"))) << f[0].dump(1);
}

// The sanitizer's own finding is still made, names the program's line, and
// sigstorm exits with the status the sanitizer gave the program (ASan 1,
// TSan 66, UBSan 0 since it goes on, MSan 1) when it found nothing itself.
TEST_P(Sanitized, SanitizersFindingAndExitStatusAreThePrograms) {
  REQUIRE_SIGSTORM();
  const std::vector<std::string> program = {program_, GetParam().mode, "safe"};
  auto c = run_both(program);
  ASSERT_FALSE(c.bare.timed_out) << c.bare.describe();
  EXPECT_NE(c.bare.err.find(GetParam().finding), std::string::npos) << "bare: " << c.bare.describe();
  expect_same_exit(c.bare, c.storm, false);
  EXPECT_TRUE(c.storm.findings().empty()) << c.storm.describe();
  EXPECT_EQ(field(c.storm.result.out, "seen"), "2") << "the safe handler ran under sigstorm\n" << c.storm.describe();
  const auto handlers = c.storm.report.value("handlers", json::array());
  ASSERT_EQ(handlers.size(), 1u) << c.storm.describe();
  EXPECT_EQ(handlers[0].value("ran", 0), 1) << c.storm.describe();
  expect_sanitizer_report(c.storm.result.err, GetParam().finding, line_of(source(), GetParam().marker));
}

// The sanitizer's instrumentation calls into its runtime (ASan's
// __asan_handle_no_return before the handler's siglongjmp) are not the
// handler's calls; the siglongjmp itself is.
TEST_P(Sanitized, InstrumentationCallsAreNotTheHandlers) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {program_, "jump"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(field(s.result.out, "seen"), "4") << "the handler ran and jumped back\n" << s.describe();
  for (const json& f : s.findings("unsafe-call"))
    EXPECT_NE(f.value("function", std::string()).rfind("__", 0), 0u) << f.dump(1);
}

// `sigstorm fuzz` of a sanitized program finds the handler's calls: an ASan
// build's runs are forked by the fork server; clang's TSan and UBSan
// runtimes hold a pipe open before the fork point, and the search then
// execs every run and says why on its first line.
TEST_P(Sanitized, FuzzFindsTheHandlersCallsAndSaysHowItRuns) {
  REQUIRE_SIGSTORM();
  auto r = run({cli_path(), "fuzz", "--runs", "3", "--seed", "1", "--", program_, "handler"});
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 66) << "the unsafe-call finding\n" << r.describe();
  EXPECT_NE(r.err.find("unsafe-call: malloc called from handler on_usr1"), std::string::npos) << r.describe();
  const std::string first = r.err.substr(0, r.err.find('\n'));
  const bool forked = first.find("runs: fork server") != std::string::npos;
  const bool says_why = first.find("runs: exec per run (no fork server: ") != std::string::npos;
  EXPECT_TRUE(forked || says_why) << first;
  if (GetParam().san == San::kAddress) EXPECT_TRUE(forked) << first;
}

// Under TSan, TSan's own "signal-unsafe call" report of the handler's malloc
// names the program's line, not the shim's malloc wrapper.
TEST_P(Tsan, ThreadSanitizersHandlerReportNamesTheProgram) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {program_, "handler"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  expect_sanitizer_report(s.result.err, "signal-unsafe call inside of a signal",
                          line_of(source(), "@line:malloc-call"));
}

// A signal that interrupts running code: TSan runs the handler later, out
// of the shim's sight, and the report says so rather than nothing.
TEST_P(Tsan, DeferredHandlerRunsAreNoted) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR2@every:5ms"}, {program_, "spin"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(field(s.result.out, "seen"), "2") << "the injected signal's handler ran\n" << s.describe();
  bool noted = false;
  for (const json& n : s.report.value("notes", json::array()))
    noted |= n.is_string() && n.get<std::string>().find("ThreadSanitizer, which defers") != std::string::npos;
  EXPECT_TRUE(noted) << s.describe();
}

// LD_PRELOAD named the runtime first for the program only: the program and
// its children see the shim alone, as under sigstorm without a sanitizer.
TEST_P(Sanitized, ChildrenDoNotInheritTheRuntime) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {program_, "child"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_EQ(field(s.result.out, "preload"), shim_path()) << s.describe();
  EXPECT_EQ(field(s.result.out, "child"), shim_path()) << s.describe();
  const auto procs = s.report.value("processes", json::array());
  EXPECT_GE(procs.size(), 2u) << "the shell that system() started is under sigstorm too\n" << s.describe();
}

// The program exec'ing itself: the runtime goes first for it again (a
// gcc ASan build would stop at once without it), and it is checked.
TEST_P(Sanitized, ReexecOfItselfKeepsTheRuntimeFirst) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {program_, "reexec"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.err.find("does not come first"), std::string::npos) << s.describe();
  EXPECT_EQ(field(s.result.out, "seen"), "120") << "the exec'd image's handler ran\n" << s.describe();
  EXPECT_EQ(field(s.result.out, "preload"), shim_path()) << s.describe();
  EXPECT_EQ(s.findings("unsafe-call", "malloc").size(), 1u) << s.describe();
}

INSTANTIATE_TEST_SUITE_P(Asan, Sanitized, testing::ValuesIn(kAsan), Sanitized::name);
INSTANTIATE_TEST_SUITE_P(Tsan, Sanitized, testing::ValuesIn(kTsan), Sanitized::name);
INSTANTIATE_TEST_SUITE_P(Other, Sanitized, testing::ValuesIn(kOther), Sanitized::name);
INSTANTIATE_TEST_SUITE_P(Tsan, Tsan, testing::ValuesIn(kTsan), Sanitized::name);
