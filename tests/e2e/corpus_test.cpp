// The correct-program corpus (tests/corpus/): small programs, each using a
// well-known correct signal-handling pattern (GLib, libevent, libuv, a
// sem_post wake-up, pselect, ppoll, a siglongjmp loop, the self-pipe trick,
// a Python and a Perl handler). sigstorm must find nothing in any of them,
// however the signals come, and must not change what they print.
//
// Every program takes `self K` or `wait K` (tests/corpus/corpus.h):
//   self K  sends itself SIGUSR1 K times, each handled before the next;
//   wait K  sends itself nothing and waits (deadline 3 s) for K SIGUSR1s
//           from outside: here, sigstorm's --inject.
// Both print the same lines once K signals were handled ("PATTERN: got
// SIGUSR1", "handled>=K", printed from the main loop) and exit 0; a
// deadline prints "TIMEOUT" and exits 1. So the reference for every run is
// the bare `self K` run, and a `wait K` run under injection that prints the
// same proves the injected signals reached the handler path.
//
// For each program:
//   Bare      bare `self 5`: the program works, and says so.
//   Sigstorm  `sigstorm run` without injection: transparent, no findings.
//   Storm     `--inject USR1@every:1ms` into `wait 5`. Relies on the
//             contract's default `from=handler` for every: (the clock starts
//             once SIGUSR1 can no longer kill the process), so the storm
//             cannot kill a program, an interpreter above all, before it
//             installed its handler.
//   Eintr     `call:` injections with mode=eintr on the program's own
//             blocking call (sem_wait, pselect, ppoll, poll, epoll_wait,
//             nanosleep, clock_nanosleep, select) into `wait K`.
// Every sigstorm run: no findings at all (errors or warnings), output and
// exit status as bare, and every --inject spec fired at least once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "harness.h"

using namespace e2e;

namespace {

enum class Lang { C, Python, Perl };

struct Eintr {
  std::vector<std::string> specs;  // one sigstorm run with all of them
  int want;                        // K for `wait K`
};

struct Case {
  const char* name;  // the test's name
  Lang lang;
  const char* file;  // C: binary in SIGSTORM_CORPUS; scripts: file in SIGSTORM_CORPUS_SOURCE
  std::vector<Eintr> eintr;
};

// For GoogleTest's messages (otherwise it prints the struct's bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr int kWant = 5;
const char* kStorm = "USR1@every:1ms";

std::string eintr(const std::string& func, const std::string& when) {
  return "USR1@call:" + func + ",mode=eintr,when=" + when;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // GLib's poll is called by the main loop and by GLib's worker thread
      // (which blocks every signal, so a hit there interrupts nothing), and
      // GLib merges signals that come before its worker ran: when=1+ keeps
      // interrupting the main loop's poll until five callbacks ran.
      {"GlibUnixSignal", Lang::C, "glib_unix_signal", {{{eintr("poll", "1+")}, kWant}}},
      {"LibeventSignal", Lang::C, "libevent_signal", {{{eintr("epoll_wait", "1..50")}, kWant}}},
      // libuv 1.44 waits in epoll_wait (epoll_pwait only with a blocked SIGPROF).
      {"LibuvSignal", Lang::C, "libuv_signal", {{{eintr("epoll_wait", "1..50")}, kWant}}},
      {"SemPostWakeup", Lang::C, "sem_post_wakeup",
       {{{eintr("sem_wait", "1..50")}, kWant}, {{eintr("sem_wait", "1")}, 1}}},
      // SIGUSR1 is blocked when pselect/ppoll is called: the injected signal
      // stays pending until the call itself unblocks it, then interrupts it.
      {"PselectWait", Lang::C, "pselect_wait",
       {{{eintr("pselect", "2")}, 1}, {{eintr("pselect", "1..50")}, kWant}}},
      {"PpollWait", Lang::C, "ppoll_wait",
       {{{eintr("ppoll", "2")}, 1}, {{eintr("ppoll", "1..50")}, kWant}}},
      // The handler never returns: it jumps out of nanosleep every time.
      {"SiglongjmpLoop", Lang::C, "siglongjmp_loop", {{{eintr("nanosleep", "1..50")}, kWant}}},
      // The handler has SA_RESTART: poll fails with EINTR (never restarted),
      // read is restarted (no EINTR), the handler runs for both.
      {"SelfPipe", Lang::C, "self_pipe",
       {{{eintr("poll", "1..50")}, kWant}, {{eintr("poll", "1..50"), eintr("read", "1..20")}, kWant}}},
      // time.sleep is clock_nanosleep in CPython 3.11+; PEP 475 retries it.
      {"Python", Lang::Python, "python_counter.py", {{{eintr("clock_nanosleep", "1..50")}, kWant}}},
      // Perl's 4-argument select is select(2).
      {"Perl", Lang::Perl, "perl_counter.pl", {{{eintr("select", "1..50")}, kWant}}},
  };
  return all;
}

// An interpreter's own binary (not a wrapper script such as pyenv's shim):
// "" when there is none.
std::string interpreter(const std::vector<std::string>& ask) {
  auto r = run(ask);
  if (r.shell_status() != 0 || r.out.empty()) return "";
  std::string path = r.out.substr(0, r.out.find('\n'));
  return access(path.c_str(), X_OK) == 0 ? path : "";
}
const std::string& perl() {
  static const std::string p = interpreter({"perl", "-e", "print $^X, qq(\\n)"});
  return p;
}

// The command line, or "" with WHY set when this program cannot run here.
std::vector<std::string> command(const Case& c, const std::string& mode, int want, std::string* why) {
  std::string k = std::to_string(want);
  switch (c.lang) {
    case Lang::C: {
      std::string bin = std::string(SIGSTORM_CORPUS) + "/" + c.file;
      if (access(bin.c_str(), X_OK) != 0) {
        *why = bin + " was not built (its library was not found by pkg-config)";
        return {};
      }
      return {bin, mode, k};
    }
    case Lang::Python:
      if (python().empty()) {
        *why = "python3 is not installed";
        return {};
      }
      return {python(), std::string(SIGSTORM_CORPUS_SOURCE) + "/" + c.file, mode, k};
    case Lang::Perl:
      if (perl().empty()) {
        *why = "perl is not installed";
        return {};
      }
      return {perl(), std::string(SIGSTORM_CORPUS_SOURCE) + "/" + c.file, mode, k};
  }
  return {};
}

RunOptions bounded() {
  RunOptions o;
  o.timeout = std::chrono::seconds(15);  // the programs' own deadline is 3 s
  return o;
}

// What the bare reference run must show: the handler path ran K times.
void expect_handled(const RunResult& r, int want) {
  ASSERT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  EXPECT_NE(r.out.find(": got SIGUSR1\n"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("handled>=" + std::to_string(want) + "\n"), std::string::npos) << r.describe();
  EXPECT_EQ(r.out.find("TIMEOUT"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
}

// A sigstorm run of the program against its bare reference: the same
// output and exit, no findings, every spec fired.
void expect_clean_as(const RunResult& bare, const SigstormRun& s, const std::vector<std::string>& specs) {
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.shell_status(), bare.shell_status()) << s.describe();
  const json& ex = s.report.value("exit", json::object());
  EXPECT_EQ(ex.value("code", json()), json(bare.exit_code)) << s.describe();
  EXPECT_TRUE(ex.contains("signal") && ex["signal"].is_null()) << s.describe();
  EXPECT_EQ(s.result.out, bare.out) << "stdout differs from the bare run\n" << s.describe();
  EXPECT_EQ(s.result.err, bare.err) << "stderr differs from the bare run (with --report sigstorm adds nothing)\n"
                                    << s.describe();

  for (const json& f : s.findings())
    EXPECT_NE(f.value("severity", ""), "error") << "error finding in a correct program: " << f.dump(1);
  EXPECT_TRUE(s.findings().empty()) << "a correct program: no warnings either\n" << s.describe();
  EXPECT_EQ(s.report.value("errors", -1), 0) << s.describe();
  EXPECT_EQ(s.report.value("warnings", -1), 0) << s.describe();
  for (const json& p : s.report.value("processes", json::array()))
    EXPECT_EQ(p.value("unchecked_handlers", 0), 0) << "every handler was seen and checked\n" << s.describe();
  EXPECT_EQ(s.report.value("notes", json::array()), json::array()) << s.describe();

  const json& inj = s.report.value("injections", json::array());
  ASSERT_EQ(inj.size(), specs.size()) << s.describe();
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(inj[i].value("spec", ""), specs[i]) << s.describe();
    EXPECT_GT(inj[i].value("fired", -1LL), 0) << "injection " << specs[i] << " never fired\n" << s.describe();
  }
}

class Corpus : public ::testing::TestWithParam<Case> {};

#define CORPUS_COMMAND(var, mode, want)                     \
  std::string why_##var;                                    \
  auto var = command(GetParam(), mode, want, &why_##var);   \
  if (var.empty()) GTEST_SKIP() << why_##var

TEST_P(Corpus, Bare) {
  REQUIRE_SIGSTORM();
  CORPUS_COMMAND(self, "self", kWant);
  expect_handled(run(self, bounded()), kWant);
}

TEST_P(Corpus, Sigstorm) {
  REQUIRE_SIGSTORM();
  CORPUS_COMMAND(self, "self", kWant);
  RunResult bare = run(self, bounded());
  ASSERT_NO_FATAL_FAILURE(expect_handled(bare, kWant));
  SigstormRun s = run_sigstorm({}, self, bounded());
  expect_clean_as(bare, s, {});
}

TEST_P(Corpus, Storm) {
  REQUIRE_SIGSTORM();
  CORPUS_COMMAND(self, "self", kWant);
  CORPUS_COMMAND(wait, "wait", kWant);
  RunResult bare = run(self, bounded());
  ASSERT_NO_FATAL_FAILURE(expect_handled(bare, kWant));
  // No from=: the contract's default for every: is from=handler.
  SigstormRun s = run_sigstorm({"--inject", kStorm}, wait, bounded());
  expect_clean_as(bare, s, {kStorm});
}

TEST_P(Corpus, Eintr) {
  REQUIRE_SIGSTORM();
  for (const Eintr& e : GetParam().eintr) {
    std::string label;
    std::vector<std::string> options;
    for (const auto& spec : e.specs) {
      label += (label.empty() ? "" : " ") + spec;
      options.push_back("--inject");
      options.push_back(spec);
    }
    SCOPED_TRACE(label + " into `wait " + std::to_string(e.want) + "`");
    CORPUS_COMMAND(self, "self", e.want);
    CORPUS_COMMAND(wait, "wait", e.want);
    RunResult bare = run(self, bounded());
    ASSERT_NO_FATAL_FAILURE(expect_handled(bare, e.want));
    SigstormRun s = run_sigstorm(options, wait, bounded());
    expect_clean_as(bare, s, e.specs);
  }
}

INSTANTIATE_TEST_SUITE_P(Programs, Corpus, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
