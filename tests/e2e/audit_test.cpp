// The unsafe-call check of every call into a shared object (the audit
// library, preload/audit/): the generated corpus (tests/audit/calls.list),
// the policies, and the hard cases (tests/audit/audit_cases.cpp).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"
#include "inject/report/symbolize.h"

using namespace e2e;

namespace {

struct Row {
  std::string lang, expect, symbol;
  std::set<std::string> others;  // unsafe:A,B
};

std::vector<Row> corpus_rows() {
  std::vector<Row> rows;
  std::ifstream in(source_path("tests/audit/calls.list"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    Row r;
    std::getline(ss, r.lang, '|');
    std::getline(ss, r.expect, '|');
    std::getline(ss, r.symbol, '|');
    if (auto colon = r.expect.find(':'); colon != std::string::npos) {
      std::stringstream extra(r.expect.substr(colon + 1));
      for (std::string o; std::getline(extra, o, ',');) r.others.insert(sigstorm::demangle(o));
      r.expect.resize(colon);
    }
    rows.push_back(r);
  }
  return rows;
}

std::set<std::string> unsafe_names(const SigstormRun& s) {
  std::set<std::string> names;
  for (const json& f : s.findings("unsafe-call")) names.insert(f.value("function", std::string("<null>")));
  return names;
}

const json* finding_named(const SigstormRun& s, const std::string& name) {
  static json keep;
  for (const json& f : s.findings("unsafe-call"))
    if (f.value("function", std::string()) == name) return &(keep = f);
  return nullptr;
}

}  // namespace

TEST(AuditCorpus, EveryUnsafeCallIsNamedAsTheHandlerCalledIt) {
  REQUIRE_SIGSTORM();
  const auto rows = corpus_rows();
  int unsafe = 0, safe = 0;
  for (const Row& r : rows) {
    SCOPED_TRACE(r.lang + " " + r.symbol);
    auto s = run_sigstorm({}, {target("audit_corpus_" + r.lang), r.symbol});
    ASSERT_TRUE(s.report_ok) << s.describe();
    // The handler ran, and the call did its job through the stub.
    EXPECT_NE(s.result.out.find("ran=" + r.symbol + "\n"), std::string::npos) << s.describe();
    EXPECT_NE(s.result.out.find("ok=1\n"), std::string::npos) << s.describe();
    if (r.expect == "safe") {
      ++safe;
      EXPECT_TRUE(s.findings().empty()) << s.describe();
      continue;
    }
    ++unsafe;
    std::set<std::string> want = r.others;
    want.insert(sigstorm::demangle(r.symbol.starts_with("__isoc99_") ? r.symbol.substr(9) : r.symbol));
    EXPECT_EQ(unsafe_names(s), want) << s.describe();
  }
  EXPECT_GE(unsafe, 40);
  EXPECT_GE(safe, 20);
}

// The auditor costs every process its start-up: a run that does not check
// unsafe-call does without it (and the run still checks what it was asked).
TEST(AuditCorpus, NoAuditorWhenUnsafeCallIsNotChecked) {
  REQUIRE_SIGSTORM();
  auto with = run_sigstorm({}, {"/usr/bin/env"});
  ASSERT_TRUE(with.report_ok) << with.describe();
  EXPECT_NE(with.result.out.find("libsigstorm-audit.so"), std::string::npos) << with.result.out;
  auto without = run_sigstorm({"--check", "errno-clobber,reentrancy"}, {"/usr/bin/env"});
  ASSERT_TRUE(without.report_ok) << without.describe();
  EXPECT_NE(without.result.out.find("SIGSTORM_RUN_FILE="), std::string::npos) << without.result.out;
  EXPECT_EQ(without.result.out.find("LD_AUDIT="), std::string::npos) << without.result.out;
  // The table's checks still run without it.
  auto clobber = run_sigstorm({"--check", "errno-clobber"}, {target("errno_clobber")});
  ASSERT_TRUE(clobber.report_ok) << clobber.describe();
  EXPECT_FALSE(clobber.findings("errno-clobber").empty()) << clobber.describe();
}

TEST(AuditCorpus, CallsInsideTheCheckedCallAreListedInItsFinding) {
  REQUIRE_SIGSTORM();
  // opendir allocates its DIR with malloc (interposed): one finding, "calls malloc".
  auto s = run_sigstorm({}, {target("audit_corpus_c"), "opendir"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  const json* f = finding_named(s, "opendir");
  ASSERT_NE(f, nullptr) << s.describe();
  ASSERT_TRUE(f->contains("calls")) << f->dump();
  EXPECT_NE(std::find((*f)["calls"].begin(), (*f)["calls"].end(), "malloc"), (*f)["calls"].end()) << f->dump();
  EXPECT_NE(f->value("message", std::string()).find("it calls malloc"), std::string::npos) << f->dump();
  EXPECT_TRUE(s.findings("unsafe-call", "malloc").empty()) << s.describe();
}

TEST(AuditCorpus, StackStartsAtTheCalledFunctionThenTheHandler) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_corpus_glib"), "g_print"});
  const json* f = finding_named(s, "g_print");
  ASSERT_NE(f, nullptr) << s.describe();
  const json& stack = (*f)["stack"];
  ASSERT_GE(stack.size(), 2u) << f->dump();
  EXPECT_EQ(stack[0].value("function", std::string()), "g_print") << f->dump();
  EXPECT_TRUE(has_frame(*f, "h_g_print")) << f->dump();
  EXPECT_EQ(f->value("handler", std::string()), "h_g_print") << f->dump();
}

TEST(AuditPolicy, LinuxAcceptsPlainSystemCallsPosixDoesNot) {
  REQUIRE_SIGSTORM();
  // gettid: a plain system call, not on POSIX's list.
  auto posix = run_sigstorm({"--policy", "posix"}, {target("audit_corpus_c"), "gettid"});
  EXPECT_EQ(unsafe_names(posix), std::set<std::string>{"gettid"}) << posix.describe();
  auto linux_ = run_sigstorm({"--policy", "linux"}, {target("audit_corpus_c"), "gettid"});
  EXPECT_NE(linux_.result.out.find("ok=1\n"), std::string::npos) << linux_.describe();
  EXPECT_TRUE(linux_.findings().empty()) << linux_.describe();
  // Under either policy, what neither list has is found.
  auto strtok = run_sigstorm({"--policy", "linux"}, {target("audit_corpus_c"), "strtok"});
  EXPECT_EQ(unsafe_names(strtok), std::set<std::string>{"strtok"}) << strtok.describe();
}

TEST(AuditPolicy, PointsPrintsBothLists) {
  REQUIRE_SIGSTORM();
  auto posix = run({cli_path(), "points", "--policy", "posix"});
  EXPECT_EQ(posix.exit_code, 0) << posix.describe();
  EXPECT_NE(posix.out.find("\nstrlen "), std::string::npos) << posix.out;
  EXPECT_NE(posix.out.find("\naccept4 "), std::string::npos) << posix.out;
  EXPECT_EQ(posix.out.find("\ngettid "), std::string::npos) << posix.out;
  auto linux_ = run({cli_path(), "points", "--policy", "linux"});
  EXPECT_NE(linux_.out.find("\ngettid "), std::string::npos) << linux_.out;
  EXPECT_NE(linux_.out.find("a plain system call"), std::string::npos) << linux_.out;
  EXPECT_EQ(linux_.out.find("\nstrlen "), std::string::npos) << linux_.out;
  auto bad = run({cli_path(), "points", "--policy", "bsd"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--policy 'bsd'"), std::string::npos) << bad.err;
}

TEST(AuditHardCases, DlopenDlcloseAndDlopenAgain) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "dlopen", target("")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.out, "plugin-ran\nplugin-ran\n") << s.describe();
  EXPECT_EQ(s.result.exit_code, 66) << s.describe();  // --error-exitcode: an error finding
  const json* f = finding_named(s, "strsignal");
  ASSERT_NE(f, nullptr) << s.describe();
  EXPECT_EQ(f->value("count", 0), 2) << f->dump();
  EXPECT_EQ(f->value("handler", std::string()), "plugin_handler") << f->dump();
}

// glibc hands dlsym()'s result to the auditor whatever it names: a
// variable's address stays the variable's (a stub there read as garbage:
// gcc's LeakSanitizer died on libc's _thread_db_sizeof_pthread).
TEST(AuditHardCases, AVariableFromDlsymIsTheVariable) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "dlsym_data", target("")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.out, "plugin-ran\nvalue=4242\n") << s.describe();
  EXPECT_TRUE(finding_named(s, "strsignal")) << "the function from the same dlsym() is checked\n" << s.describe();
}

TEST(AuditHardCases, AFunctionPointerFromDlsymIsCheckedToo) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "dlsym"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("seen=1\n"), std::string::npos) << s.describe();
  EXPECT_EQ(unsafe_names(s), std::set<std::string>{"strsignal"}) << s.describe();
}

// dlsym() returns one stub per function however many the process has made
// (here a few thousand more between two asks: every function libgio and
// libstdc++ export): the stub hash's later generations are searched and
// filled, the auditor's pool in its own text runs out and later stubs are
// made in its overflow memfd, and stubs of both kinds still check.
TEST(AuditHardCases, DlsymGivesTheSameStubAfterThousandsMore) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "many"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("asked_over_4096=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("early_in_pool=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("late_in_overflow=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("late_runs=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("same_early=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("same_late=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.out.find("seen=1\n"), std::string::npos) << s.describe();
  EXPECT_EQ(unsafe_names(s), (std::set<std::string>{"a64l", "strsignal"})) << s.describe();
}

TEST(AuditHardCases, ExceptionThrownThroughACheckedCall) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "throw"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("seen=1\n"), std::string::npos) << s.describe();  // caught in the handler
  EXPECT_TRUE(finding_named(s, "std::__throw_invalid_argument(char const*)")) << s.describe();
}

TEST(AuditHardCases, VariadicStackAndVectorArgumentsArrive) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "variadic"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("seen=1\n"), std::string::npos) << s.describe();
  EXPECT_NE(s.result.err.find("1.5 2.5 3.5"), std::string::npos) << s.describe();
  EXPECT_EQ(unsafe_names(s), (std::set<std::string>{"sscanf", "warnx"})) << s.describe();
}

TEST(AuditHardCases, ErrnoIsLeftAsTheHandlerSetIt) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("audit_cases"), "errno"});
  EXPECT_NE(s.result.out.find("seen=1\n"), std::string::npos) << s.describe();
  EXPECT_TRUE(finding_named(s, "atol")) << s.describe();
}

TEST(AuditHardCases, ThreadLocalInHandlersOnTwoThreads) {
  REQUIRE_SIGSTORM();
  auto bare = run({target("audit_cases"), "thread_local"});
  auto s = run_sigstorm({}, {target("audit_cases"), "thread_local"});
  EXPECT_EQ(bare.out, "seen=30\n");
  EXPECT_EQ(s.result.out, bare.out) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
}

TEST(AuditHardCases, TheProgramsOwnAuditorIsChainedAfterOurs) {
  REQUIRE_SIGSTORM();
  RunOptions o;
  o.env_set = {{"LD_AUDIT", target("audit_user.so")}};
  auto s = run_sigstorm({}, {target("audit_corpus_c"), "strsignal"}, o);
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.err.find("user-auditor"), std::string::npos) << s.describe();
  EXPECT_EQ(unsafe_names(s), std::set<std::string>{"strsignal"}) << s.describe();
}

TEST(AuditHardCases, AChildExecdWithAnEmptyEnvironmentIsStillAudited) {
  REQUIRE_SIGSTORM();
  // env -i execs the program with no environment: the exec wrappers put
  // LD_PRELOAD, LD_AUDIT and the tunable back.
  auto s = run_sigstorm({}, {"/usr/bin/env", "-i", target("audit_corpus_c"), "strsignal"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("ran=strsignal\n"), std::string::npos) << s.describe();
  EXPECT_EQ(unsafe_names(s), std::set<std::string>{"strsignal"}) << s.describe();
}
