// Signal injection end to end (issue 3): every point kind (call:FUNC, call:*,
// after:, every:, handler:SIG), every key (when, p, target, mode, max), replay
// with the same seed, the report's `injections`, a storm of every:200us into a
// flag-only handler, and SA_RESTART fidelity against the real kernel.
//
// The targets (tests/e2e/targets/inj_*.c) print what they observed: which
// call indices the handler ran in, which thread it ran on and how the signal
// was sent (si_code), whether a call failed with EINTR. Nothing here measures
// time: waits are on events, bounded by the harness's timeout.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "harness.h"

using namespace e2e;

namespace {

// The value of KEY in "KEY=VALUE" words anywhere in OUT (first match), or "".
std::string kv(const std::string& out, std::string_view key) {
  const std::string k = std::string(key) + "=";
  for (size_t at = out.find(k); at != std::string::npos; at = out.find(k, at + 1)) {
    if (at != 0 && out[at - 1] != ' ' && out[at - 1] != '\n') continue;
    const size_t from = at + k.size();
    const size_t to = out.find_first_of(" \n", from);
    return out.substr(from, to == std::string::npos ? std::string::npos : to - from);
  }
  return "";
}

// report["injections"][i], or null.
json injection(const SigstormRun& s, size_t i) {
  if (!s.report_ok || !s.report.contains("injections") || !s.report["injections"].is_array() ||
      s.report["injections"].size() <= i)
    return nullptr;
  return s.report["injections"][i];
}

// How often injection i fired, or -1 when the report does not say.
long long fired(const SigstormRun& s, size_t i = 0) {
  json inj = injection(s, i);
  if (!inj.is_object() || !inj.contains("fired") || !inj["fired"].is_number_integer()) return -1;
  return inj["fired"].get<long long>();
}

// `sigstorm run --seed SEED --inject SPEC -- inj_calls N`.
SigstormRun run_calls(const std::string& spec, int n = 12, const std::string& seed = "42", bool threaded = false) {
  std::vector<std::string> argv = {target("inj_calls"), std::to_string(n)};
  if (threaded) argv.push_back("threaded");
  return run_sigstorm({"--seed", seed, "--inject", spec}, argv);
}

RunOptions stdin_of(std::string data) {
  RunOptions o;
  o.stdin_data = std::move(data);
  return o;
}

// A clean injection run: exit 0, a report, no findings.
void expect_clean(const SigstormRun& s) {
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
}

// "1,2,3,...,n".
std::string range(int from, int to, int step = 1) {
  std::string s;
  for (int i = from; i <= to; i += step) s += (s.empty() ? "" : ",") + std::to_string(i);
  return s;
}

}  // namespace

// ---------------------------------------------------------------- call: and when=

// strace's when= semantics, observed from inside the program: the handler
// runs exactly in the selected calls.
TEST(Inject, CallPointWhenForms) {
  REQUIRE_SIGSTORM();
  struct Case {
    std::string when;
    std::string fired_at;
  };
  const std::vector<Case> cases = {
      {"", range(1, 12)},          // no when=: every hit
      {"3", "3"},                  // only the 3rd
      {"3+", range(3, 12)},        // the 3rd and after
      {"3+2", "3,5,7,9,11"},       // every 2nd from the 3rd
      {"2..8+3", "2,5,8"},         // every 3rd from the 2nd to the 8th
      {"2..4", "2,3,4"},           // a range
      {"13", "-"},                 // past the last call: never
  };
  // One thread counts with a plain add, several with a locked one.
  for (const Case& c : cases) {
    for (const bool threaded : {false, true}) {
      SCOPED_TRACE("when=" + c.when + (threaded ? " (threaded)" : ""));
      const std::string spec = "USR1@call:close" + (c.when.empty() ? "" : ",when=" + c.when);
      auto s = run_calls(spec, 12, "42", threaded);
      expect_clean(s);
      EXPECT_EQ(kv(s.result.out, "calls"), "12") << s.describe();
      EXPECT_EQ(kv(s.result.out, "fired_at"), c.fired_at) << s.describe();
      // The report counts what the program saw.
      const int runs = std::stoi("0" + kv(s.result.out, "runs"));
      EXPECT_EQ(fired(s), runs) << s.describe();
      ASSERT_TRUE(injection(s, 0).is_object()) << s.describe();
      EXPECT_EQ(injection(s, 0).value("spec", ""), spec) << "the spec as given\n" << s.describe();
    }
  }
}

// Two specs on one function each count every hit: neither hides the other.
TEST(Inject, SpecsOnOneFunctionCountApart) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--seed", "1", "--inject", "USR1@call:close,when=3", "--inject", "USR1@call:close,when=7"},
                        {target("inj_calls"), "12"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), "3,7") << s.describe();
  EXPECT_EQ(fired(s, 0), 1) << s.describe();
  EXPECT_EQ(fired(s, 1), 1) << s.describe();
}

TEST(Inject, CallPointMax) {
  REQUIRE_SIGSTORM();
  auto s = run_calls("USR1@call:close,max=4");
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), "1,2,3,4") << s.describe();
  EXPECT_EQ(fired(s), 4) << s.describe();

  // max counts firings, not hits: with when=3+2,max=2 they are hits 3 and 5.
  s = run_calls("USR1@call:close,when=3+2,max=2");
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), "3,5") << s.describe();
  EXPECT_EQ(fired(s), 2) << s.describe();
}

// call:* is every interposed function: the loop's close() calls are hits like
// any other, and max= bounds it.
TEST(Inject, CallAnyPoint) {
  REQUIRE_SIGSTORM();
  // Hit 1 is the target's sigaction() itself (the signal would come before
  // its handler exists and kill it: call:* means any call), so from hit 2.
  auto s = run_calls("USR1@call:*,when=2+");
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), range(1, 12)) << "every call is a hit of call:*\n" << s.describe();
  EXPECT_GE(fired(s), 13) << s.describe();

  s = run_calls("USR1@call:*,when=2+,max=3");
  expect_clean(s);
  EXPECT_EQ(fired(s), 3) << s.describe();
  EXPECT_LE(std::stoi("0" + kv(s.result.out, "runs")), 3) << s.describe();

  // The first interposed call is sigaction(): SIGUSR1 arrives before the
  // handler is installed and its default action ends the program.
  s = run_calls("USR1@call:*,when=1");
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 128 + SIGUSR1) << s.describe();
  EXPECT_EQ(s.report["exit"].value("signal", json()), "SIGUSR1") << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();
}

// Two specs on different functions count their hits separately.
TEST(Inject, CountingIsPerFunction) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--seed", "1", "--inject", "USR1@call:read,when=1", "--inject", "USR1@call:close,when=5"},
                        {target("inj_calls"), "12"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), "5") << "close's 5th call, whatever read did\n" << s.describe();
  EXPECT_EQ(fired(s, 1), 1) << s.describe();
}

// ---------------------------------------------------------------- p= and --seed

TEST(Inject, ProbabilityIsSeeded) {
  REQUIRE_SIGSTORM();
  const std::string spec = "USR1@call:close,p=0.5";
  auto a = run_calls(spec, 64, "42");
  auto b = run_calls(spec, 64, "42");
  expect_clean(a);
  expect_clean(b);
  const std::string at = kv(a.result.out, "fired_at");
  EXPECT_EQ(at, kv(b.result.out, "fired_at")) << "same seed, same firings\n" << a.describe() << b.describe();
  EXPECT_EQ(fired(a), fired(b));
  EXPECT_EQ(a.report.value("seed", json()), json(42)) << a.describe();
  // p=0.5 of 64 calls: some fire, some do not (the seed fixes which).
  const int runs = std::stoi("0" + kv(a.result.out, "runs"));
  EXPECT_GT(runs, 0) << a.describe();
  EXPECT_LT(runs, 64) << a.describe();
  EXPECT_EQ(fired(a), runs) << a.describe();

  // Another seed picks other calls (for at least one of these seeds).
  bool differs = false;
  for (const char* seed : {"1", "2", "3", "4"})
    differs |= kv(run_calls(spec, 64, seed).result.out, "fired_at") != at;
  EXPECT_TRUE(differs) << "the seed does not change which calls p= picks";
}

TEST(Inject, ProbabilityZeroNeverFires) {
  REQUIRE_SIGSTORM();
  for (const char* seed : {"1", "42", "4294967295"}) {
    auto s = run_calls("USR1@call:close,p=0", 64, seed);
    expect_clean(s);
    EXPECT_EQ(kv(s.result.out, "fired_at"), "-") << s.describe();
    EXPECT_EQ(fired(s), 0) << s.describe();
  }
  auto s = run_calls("USR1@call:close,p=1", 16);
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "fired_at"), range(1, 16)) << s.describe();
}

// ---------------------------------------------------------------- target=

TEST(Inject, TargetSelfMainProcess) {
  REQUIRE_SIGSTORM();
  struct Case {
    std::string spec, on, code;
  };
  // A worker thread makes the call. tgkill shows as SI_TKILL, kill as SI_USER.
  const std::vector<Case> cases = {
      {"USR1@call:close", "worker", "SI_TKILL"},  // the default for call: is self
      {"USR1@call:close,target=self", "worker", "SI_TKILL"},
      {"USR1@call:close,target=main", "main", "SI_TKILL"},
      {"USR1@call:close,target=process", "", "SI_USER"},  // any thread may take it
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    auto s = run_sigstorm({"--inject", c.spec}, {target("inj_target"), "call"});
    expect_clean(s);
    const std::string& out = s.result.out;
    ASSERT_NE(kv(out, "worker"), "0") << s.describe();
    ASSERT_NE(kv(out, "main"), kv(out, "worker")) << s.describe();
    if (!c.on.empty()) {
      EXPECT_EQ(kv(out, "on"), c.on) << s.describe();
    }
    EXPECT_EQ(kv(out, "si_code"), c.code) << s.describe();
    EXPECT_EQ(kv(out, "runs"), "1") << s.describe();
    EXPECT_EQ(fired(s), 1) << s.describe();
  }
}

// ---------------------------------------------------------------- after: and every:

// after:/every: count from the start of the process, so an early tick could
// come before the target's handler exists (its default action would end the
// program). The targets install their handlers in a constructor, and the
// first tick here is 20 ms or more after the start.

TEST(Inject, AfterFiresOnceAtTheMainThread) {
  REQUIRE_SIGSTORM();
  // The program waits for one run, then 50 ms more: a second would show.
  auto s = run_sigstorm({"--inject", "USR1@after:50ms"}, {target("inj_target"), "wait", "1", "50"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "on"), "main") << s.describe();
  EXPECT_EQ(kv(s.result.out, "si_code"), "SI_TKILL") << s.describe();
  EXPECT_EQ(kv(s.result.out, "runs"), "1") << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();

  s = run_sigstorm({"--inject", "USR1@after:50ms,target=process"}, {target("inj_target"), "wait", "1"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "si_code"), "SI_USER") << "target=process sends with kill\n" << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();

  s = run_sigstorm({"--inject", "USR1@after:50ms,target=main"}, {target("inj_target"), "wait", "1"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "on"), "main") << s.describe();
}

// every: uses SIGRTMIN+1 (queued): two ticks close together are two handler
// runs, never merged into one as two SIGUSR1 could be.
TEST(Inject, EveryRepeatsUntilMax) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "RTMIN+1@every:1ms,when=20+"}, {target("inj_target"), "wait", "10"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "on"), "main") << s.describe();
  EXPECT_GE(fired(s), 10) << s.describe();

  // max=3: exactly three, however long the program waits afterwards.
  s = run_sigstorm({"--inject", "SIGRTMIN+1@every:1ms,when=20+,max=3"}, {target("inj_target"), "wait", "3", "50"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "runs"), "3") << s.describe();
  EXPECT_EQ(fired(s), 3) << s.describe();

  // when= selects ticks: the 20th and 22nd of every:1ms, then max stops it.
  s = run_sigstorm({"--inject", "RTMIN+1@every:1ms,when=20+2,max=2"}, {target("inj_target"), "wait", "2", "20"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "runs"), "2") << s.describe();
  EXPECT_EQ(fired(s), 2) << s.describe();

  // target=process: sent with kill.
  s = run_sigstorm({"--inject", "RTMIN+1@every:1ms,when=20+,target=process,max=2"},
                   {target("inj_target"), "wait", "2"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "si_code"), "SI_USER") << s.describe();
  EXPECT_EQ(fired(s), 2) << s.describe();
}

// ---------------------------------------------------------------- handler:SIG

TEST(Inject, HandlerPointFiresAtTheHandlersFirstCall) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR2@handler:USR1"}, {target("inj_nested"), "call"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "usr1_runs"), "1") << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr2_runs"), "1") << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr2_nested"), "1") << "SIGUSR2 ran inside the SIGUSR1 handler\n" << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();
}

TEST(Inject, HandlerPointFiresAsACalllessHandlerReturns) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR2@handler:USR1"}, {target("inj_nested"), "nocall"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "usr1_runs"), "1") << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr2_runs"), "1") << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();
}

TEST(Inject, HandlerPointForAnotherSignalNeverFires) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@handler:USR2"}, {target("inj_nested"), "call"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "usr1_runs"), "1") << s.describe();
  EXPECT_EQ(fired(s), 0) << s.describe();
}

// A nested signal forced into a SA_NODEFER handler re-enters it: a
// reentrancy warning. Without SA_NODEFER the kernel holds it until the
// handler returns: no reentrancy.
TEST(Inject, NestedSignalReentrancy) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@handler:USR1,max=1"}, {target("inj_nested"), "nodefer"});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr1_runs"), "2") << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr1_max_depth"), "2") << s.describe();
  auto r = s.findings("reentrancy");
  ASSERT_EQ(r.size(), 1u) << s.describe();
  EXPECT_EQ(r[0].value("severity", ""), "warning");
  EXPECT_EQ(r[0].value("signal", ""), "SIGUSR1");
  EXPECT_TRUE(name_matches(r[0].value("handler", json()), "on_usr1")) << r[0].dump(1);
  EXPECT_EQ(s.findings().size(), 1u) << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << "a warning keeps the program's exit status\n" << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();

  s = run_sigstorm({"--inject", "USR1@handler:USR1,max=1"}, {target("inj_nested"), "defer"});
  expect_clean(s);
  EXPECT_EQ(kv(s.result.out, "usr1_runs"), "2") << s.describe();
  EXPECT_EQ(kv(s.result.out, "usr1_max_depth"), "1") << s.describe();
}

// ---------------------------------------------------------------- mode=

// The data is already in the pipe, so only an injected EINTR fails the call.
TEST(Inject, ModeSignalVersusEintr) {
  REQUIRE_SIGSTORM();
  struct Case {
    std::string func, flags, mode, want;
  };
  const std::vector<Case> cases = {
      {"read", "norestart", "signal", "rc=1 errno=- handled=1"},
      {"read", "norestart", "eintr", "rc=-1 errno=EINTR handled=1"},
      {"read", "restart", "signal", "rc=1 errno=- handled=1"},
      {"read", "restart", "eintr", "rc=1 errno=- handled=1"},   // read is restarted
      {"poll", "restart", "signal", "rc=1 errno=- handled=1"},
      {"poll", "restart", "eintr", "rc=-1 errno=EINTR handled=1"},  // poll never is
      {"poll", "norestart", "eintr", "rc=-1 errno=EINTR handled=1"},
      {"read", "ignore", "eintr", "rc=1 errno=- handled=0"},   // no handler ran: no EINTR
      {"read", "blocked", "eintr", "rc=1 errno=- handled=0"},  // blocked: pending, no EINTR
      {"poll", "blocked", "eintr", "rc=1 errno=- handled=0"},
      {"fcntl", "norestart", "eintr", "rc=0 errno=- handled=1"},  // F_GETFL cannot block
  };
  for (const Case& c : cases) {
    const std::string spec = "USR1@call:" + c.func + ",mode=" + c.mode;
    SCOPED_TRACE(spec + " " + c.flags);
    auto s = run_sigstorm({"--inject", spec}, {target("inj_eintr"), c.func, c.flags});
    expect_clean(s);
    EXPECT_EQ(s.result.out, c.func + " " + c.flags + ": " + c.want + "\n") << s.describe();
    EXPECT_EQ(fired(s), 1) << s.describe();
  }
}

// ---------------------------------------------------------------- replay

TEST(Inject, ReplaySameSeedSameInput) {
  REQUIRE_SIGSTORM();
  RunOptions input;
  for (int i = 1; i <= 40; ++i) input.stdin_data += "line " + std::to_string(i) + "\n";
  const std::vector<std::string> opts = {"--seed", "7", "--inject", "USR1@call:close,p=0.25",
                                         "--inject", "USR1@call:fgets,when=10+7,p=0.5"};
  auto a = run_sigstorm(opts, {target("inj_replay")}, input);
  auto b = run_sigstorm(opts, {target("inj_replay")}, input);
  for (const auto* s : {&a, &b}) {
    ASSERT_FALSE(s->result.timed_out) << s->describe();
    ASSERT_TRUE(s->report_ok) << s->describe();
  }
  EXPECT_NE(a.result.out.find("[SIGUSR1 at line"), std::string::npos) << "nothing fired\n" << a.describe();
  EXPECT_EQ(a.result.out, b.result.out);
  ASSERT_EQ(a.report["injections"].size(), 2u) << a.describe();
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(fired(a, i), fired(b, i)) << a.describe() << b.describe();
  EXPECT_GT(fired(a, 0), 0) << a.describe();
  EXPECT_EQ(a.findings("unsafe-call", "printf").size(), 1u) << a.describe();
  EXPECT_EQ(a.result.shell_status(), b.result.shell_status());
}

// The text report prints the command line that replays a finding; running it
// gives the same program output and the same firings.
TEST(Inject, TextReportReplayLine) {
  REQUIRE_SIGSTORM();
  RunOptions input;
  for (int i = 1; i <= 30; ++i) input.stdin_data += "line " + std::to_string(i) + "\n";
  TempDir d;
  const std::string text = d.file("report.txt");
  auto first = run({cli_path(), "run", "--seed", "12345", "--format", "text", "-o", text, "--inject",
                    "USR1@call:close,p=0.3", "--", target("inj_replay")},
                   input);
  ASSERT_FALSE(first.timed_out) << first.describe();
  EXPECT_EQ(first.shell_status(), 66) << first.describe();
  std::ifstream in(text);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string report = ss.str();
  const std::string tag = "sigstorm: replay with: ";
  const size_t at = report.find(tag);
  ASSERT_NE(at, std::string::npos) << report;
  const std::string line = report.substr(at + tag.size(), report.find('\n', at) - at - tag.size());
  EXPECT_NE(line.find("--seed 12345"), std::string::npos) << line;
  EXPECT_NE(line.find("--inject USR1@call:close,p=0.3"), std::string::npos) << line;
  EXPECT_NE(report.find("injection USR1@call:close,p=0.3 fired "), std::string::npos) << report;

  // "sigstorm run OPTIONS -- PROGRAM": split on spaces (nothing here needs quoting).
  std::vector<std::string> words;
  std::stringstream ls(line);
  for (std::string w; ls >> w;) words.push_back(w);
  ASSERT_GE(words.size(), 4u) << line;
  ASSERT_EQ(words[0], "sigstorm");
  ASSERT_EQ(words[1], "run");
  const auto dashes = std::find(words.begin(), words.end(), "--");
  ASSERT_NE(dashes, words.end()) << line;
  std::vector<std::string> opts(words.begin() + 2, dashes), program(dashes + 1, words.end());
  ASSERT_EQ(program, std::vector<std::string>{target("inj_replay")}) << line;

  auto again = run_sigstorm(opts, program, input);
  auto again2 = run_sigstorm(opts, program, input);
  ASSERT_TRUE(again.report_ok) << again.describe();
  EXPECT_EQ(again.result.out, first.out) << "the replay printed something else";
  EXPECT_EQ(again2.result.out, first.out);
  EXPECT_EQ(fired(again), fired(again2));
  const std::string times = fired(again) == 1 ? "1 time" : std::to_string(fired(again)) + " times";
  EXPECT_NE(report.find("fired " + times), std::string::npos) << "replayed " << fired(again) << "\n" << report;
  EXPECT_EQ(again.findings("unsafe-call", "printf").size(), 1u) << again.describe();
}

// ---------------------------------------------------------------- the report

TEST(Inject, ReportNamesEverySpecAndSaysWhichNeverFired) {
  REQUIRE_SIGSTORM();
  const std::vector<std::string> opts = {"--seed", "5", "--inject", "USR1@call:close,when=2",
                                         "--inject", "SIGUSR2@call:accept"};
  auto s = run_sigstorm(opts, {target("inj_calls"), "4"});
  expect_clean(s);
  ASSERT_EQ(s.report["injections"].size(), 2u) << s.describe();
  EXPECT_EQ(injection(s, 0).value("spec", ""), "USR1@call:close,when=2");
  EXPECT_EQ(fired(s, 0), 1);
  EXPECT_EQ(injection(s, 1).value("spec", ""), "SIGUSR2@call:accept");
  EXPECT_EQ(fired(s, 1), 0);

  // Text, no findings: the SUMMARY line names what never fired.
  std::vector<std::string> argv = {cli_path(), "run"};
  argv.insert(argv.end(), opts.begin(), opts.end());
  argv.insert(argv.end(), {"--", target("inj_calls"), "4"});
  auto t = run(argv);
  EXPECT_EQ(t.shell_status(), 0) << t.describe();
  EXPECT_NE(t.err.find("never fired: SIGUSR2@call:accept"), std::string::npos) << t.describe();
  EXPECT_EQ(t.err.find("never fired: USR1@call:close"), std::string::npos) << t.describe();

  // Text with a finding: one line per spec.
  auto f = run({cli_path(), "run", "--seed", "5", "--inject", "USR1@call:close,when=1", "--inject",
                "USR2@call:accept", "--", target("inj_replay")},
               stdin_of("a\nb\n"));
  EXPECT_EQ(f.shell_status(), 66) << f.describe();
  EXPECT_NE(f.err.find("sigstorm: injection USR2@call:accept never fired"), std::string::npos) << f.describe();
  EXPECT_NE(f.err.find("sigstorm: injection USR1@call:close,when=1 fired 1 time"), std::string::npos)
      << f.describe();
}

// ---------------------------------------------------------------- bad specs

TEST(Inject, BadSpecExits2BeforeTheProgramStarts) {
  REQUIRE_SIGSTORM();
  struct Case {
    std::string spec, names;
  };
  const std::vector<Case> cases = {
      {"USR1@call:no_such_function", "no_such_function"},
      {"USR1@call:read,when=0", "when=0"},
      {"USR1@every:200x", "200x"},               // no such unit
      {"USR1@after:5ms,target=self", "target=self"},
      {"NOSIG@call:read", "NOSIG"},
      {"USR1@call:close,mode=eintr", "mode=eintr"},  // close never fails with EINTR
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    TempDir d;
    const std::string marker = d.file("ran");
    auto r = run({cli_path(), "run", "--inject", c.spec, "--", target("marker"), marker});
    EXPECT_TRUE(r.exited && r.exit_code == 2) << r.describe();
    EXPECT_EQ(r.out, "") << r.describe();
    EXPECT_EQ(count_lines(r.err), 1) << r.describe();
    EXPECT_NE(r.err.find(c.names), std::string::npos) << "the message names the offending part\n" << r.describe();
    EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the program ran";
  }
}

// ---------------------------------------------------------------- storm

// A storm of every:200us into a flag-only handler while four threads and the
// main thread allocate and print: nothing reported, output as bare, exit 0.
// The target keeps repeating (discarded) work until 500 signals arrived, so
// the signals land during the allocations on any machine. (when=100+: the
// storm starts 20 ms in, after the target's constructor has installed its
// handler.)
TEST(Inject, StormEvery200usIntoAFlagOnlyHandler) {
  REQUIRE_SIGSTORM();
  auto bare = run({target("inj_storm")});
  ASSERT_EQ(bare.shell_status(), 0) << bare.describe();
  ASSERT_NE(bare.out.find("worker 4:"), std::string::npos) << bare.describe();
  for (const char* spec : {"USR1@every:200us,when=100+", "USR1@every:200us,when=100+,target=process"}) {
    SCOPED_TRACE(spec);
    auto s = run_sigstorm({"--inject", spec}, {target("inj_storm"), "500"});
    ASSERT_FALSE(s.result.timed_out) << s.describe();
    EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
    ASSERT_TRUE(s.report_ok) << s.describe();
    EXPECT_TRUE(s.findings().empty()) << s.describe();
    EXPECT_EQ(s.result.out, bare.out) << "the storm changed the program's output";
    EXPECT_EQ(s.result.err, "") << s.describe();
    EXPECT_GE(fired(s), 500) << s.describe();
    EXPECT_EQ(s.report.value("dropped", -1), 0) << s.describe();
  }
}

// ---------------------------------------------------------------- --time-scale

// Timers and sleeps of 300 s, scaled by 0.001: the run ends at once, and
// the program reads back its own units (left=300), not the scaled ones.
// (Unscaled, each would take five minutes: the harness's timeout fails it.)
TEST(Inject, TimeScaleShrinksTheProgramsTimersAndSleeps) {
  REQUIRE_SIGSTORM();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alarm", "alarm: left=300 rang=1"},
      {"setitimer", "setitimer: left=300 rang=1"},
      {"timer_settime", "timer_settime: left=300 rang=1"},
      {"getitimer", "getitimer: left=300 rang=1"},          // reads, too, are in the program's units
      {"timer_gettime", "timer_gettime: left=300 rang=1"},
      {"ualarm", "ualarm: left=0.9s rang=1"},
      {"sleep", "sleep: slept"},
      {"nanosleep", "nanosleep: slept"},
      {"clock_nanosleep", "clock_nanosleep: slept"},
      {"abstime", "abstime: slept"},  // a deadline, as CPython's time.sleep sleeps
  };
  for (const auto& [mode, want] : cases) {
    SCOPED_TRACE(mode);
    auto s = run_sigstorm({"--time-scale", "0.001"}, {target("inj_timescale"), mode});
    expect_clean(s);
    EXPECT_EQ(s.result.out, want + "\n") << s.describe();
    EXPECT_EQ(s.report.value("time_scale", 0.0), 0.001) << s.describe();
  }
}

// ---------------------------------------------------------------- SA_RESTART fidelity

namespace {

// `sigstorm points`: FUNCTION -> its SA_RESTART column ("yes", "no", "-").
const std::map<std::string, std::string>& restart_column() {
  static std::map<std::string, std::string> table;
  static std::once_flag once;
  std::call_once(once, [] {
    auto r = run({cli_path(), "points"});
    std::stringstream ss(r.out);
    std::string line;
    std::getline(ss, line);  // header
    while (std::getline(ss, line)) {
      std::stringstream ls(line);
      std::vector<std::string> cols;
      for (std::string c; ls >> c;) cols.push_back(c);
      if (cols.size() >= 5) table[cols[0]] = cols.back();
    }
  });
  return table;
}

struct RestartCase {
  RestartCase(const char* f, const char* v = "") : func(f), variant(v) {}
  std::string func;     // the call, as inj_restart and call: name it
  std::string variant;  // "", or rcvtimeo / sndtimeo (a socket timeout)
};

void PrintTo(const RestartCase& c, std::ostream* os) { *os << c.func << (c.variant.empty() ? "" : "+" + c.variant); }

std::string outcome(const std::string& out) {
  if (out.find(": EINTR handled=1") != std::string::npos) return "EINTR";
  if (out.find(": completed handled=1") != std::string::npos) return "completed";
  return "unexpected: " + out;
}

// What `sigstorm points` says the kernel does after a handler with or
// without SA_RESTART: "-" never fails with EINTR, "yes" is restarted under
// SA_RESTART, "no" always fails with EINTR.
std::string table_says(const std::string& column, bool restart) {
  if (column == "-") return "completed";
  if (column == "yes") return restart ? "completed" : "EINTR";
  return "EINTR";
}

class SaRestartFidelity : public ::testing::TestWithParam<RestartCase> {};

std::string arg(const RestartCase& c) { return c.variant.empty() ? c.func : c.func + "+" + c.variant; }

}  // namespace

// The real kernel, the `sigstorm points` table and `--inject ...,mode=eintr`
// agree on every blocking call, with and without SA_RESTART.
TEST_P(SaRestartFidelity, KernelTableAndInjectionAgree) {
  REQUIRE_SIGSTORM();
  const RestartCase& c = GetParam();
  const auto& table = restart_column();
  ASSERT_TRUE(table.count(c.func)) << c.func << " is not in `sigstorm points`";
  const std::string column = table.at(c.func);
  for (bool restart : {true, false}) {
    const std::string flags = restart ? "restart" : "norestart";
    SCOPED_TRACE(arg(c) + " " + flags + " (sigstorm points: SA_RESTART " + column + ")");

    auto kernel = run({target("inj_restart"), arg(c), flags, "kernel"});
    ASSERT_EQ(kernel.shell_status(), 0) << kernel.describe();
    const std::string k = outcome(kernel.out);
    ASSERT_EQ(k.rfind("unexpected", 0), std::string::npos) << kernel.describe();

    // A socket timeout makes the kernel never restart; the table (one row per
    // function) cannot say so, the injection must still match the kernel.
    if (c.variant.empty()) {
      EXPECT_EQ(table_says(column, restart), k)
          << "inject/wire/functions.def is wrong for " << c.func << ": the kernel's outcome is " << k;
    }

    // mode=eintr applies only where the table says EINTR is possible; the
    // other calls get mode=signal (delivered, then the call goes on).
    const std::string mode = column == "-" ? "signal" : "eintr";
    auto s = run_sigstorm({"--inject", "USR1@call:" + c.func + ",when=1,mode=" + mode},
                          {target("inj_restart"), arg(c), flags, "inject"});
    ASSERT_FALSE(s.result.timed_out) << s.describe();
    ASSERT_TRUE(s.report_ok) << s.describe();
    EXPECT_EQ(fired(s), 1) << s.describe();
    EXPECT_EQ(outcome(s.result.out), k) << "--inject USR1@call:" << c.func << ",mode=" << mode
                                        << " differs from the kernel\n"
                                        << s.describe();
    EXPECT_TRUE(s.findings().empty()) << s.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Calls, SaRestartFidelity,
    ::testing::Values(
        // restarted under SA_RESTART
        RestartCase{"read"}, RestartCase{"readv"}, RestartCase{"write"}, RestartCase{"writev"},
        RestartCase{"open"}, RestartCase{"openat"},  // a FIFO
        RestartCase{"recv"}, RestartCase{"recvfrom"}, RestartCase{"recvmsg"}, RestartCase{"send"},
        RestartCase{"sendto"}, RestartCase{"sendmsg"}, RestartCase{"accept"}, RestartCase{"accept4"},
        RestartCase{"connect"}, RestartCase{"wait"}, RestartCase{"waitpid"}, RestartCase{"wait4"},
        RestartCase{"waitid"}, RestartCase{"sem_wait"}, RestartCase{"sem_timedwait"}, RestartCase{"flock"},
        RestartCase{"fcntl"},  // F_SETLKW
        // never restarted
        RestartCase{"poll"}, RestartCase{"ppoll"}, RestartCase{"select"}, RestartCase{"pselect"},
        RestartCase{"epoll_wait"}, RestartCase{"epoll_pwait"}, RestartCase{"nanosleep"},
        RestartCase{"clock_nanosleep"}, RestartCase{"usleep"}, RestartCase{"sleep"}, RestartCase{"pause"},
        RestartCase{"sigsuspend"}, RestartCase{"sigwaitinfo"}, RestartCase{"sigtimedwait"},
        // never fail with EINTR (glibc retries)
        RestartCase{"sigwait"}, RestartCase{"pthread_join"}, RestartCase{"pthread_mutex_lock"},
        RestartCase{"pthread_cond_wait"}, RestartCase{"pthread_cond_timedwait"},
        // stdio on a pipe: the read(2)/write(2) underneath is interrupted
        RestartCase{"fgets"}, RestartCase{"fread"}, RestartCase{"fgetc"}, RestartCase{"getline"},
        RestartCase{"fwrite"}, RestartCase{"fputs"}, RestartCase{"fprintf"}, RestartCase{"fflush"},
        // socket timeouts: never restarted (signal(7)), whatever the table row says
        RestartCase{"recv", "rcvtimeo"}, RestartCase{"recvmsg", "rcvtimeo"}, RestartCase{"accept", "rcvtimeo"},
        RestartCase{"send", "sndtimeo"}, RestartCase{"connect", "sndtimeo"}),
    [](const ::testing::TestParamInfo<RestartCase>& info) {
      return info.param.func + (info.param.variant.empty() ? "" : "_" + info.param.variant);
    });
