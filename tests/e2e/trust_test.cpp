// Regressions from trying sigstorm on real programs: it must never change
// what a program does, never report a correct program, and never let a
// finding escape. One test per defect; each was seen failing before its fix.
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <set>

#include "harness.h"

using namespace e2e;

namespace {

const std::string kLibDir = "/usr/lib/x86_64-linux-gnu/";


void expect_no_notes(const SigstormRun& s) {
  EXPECT_EQ(s.report.value("notes", json::array()), json::array()) << s.describe();
}

}  // namespace

// ---------------------------------------------------------------- allocators

// jemalloc, tcmalloc and mimalloc preloaded after the shim: the allocator
// starts inside the shim's bootstrap (dlsym's error path allocates).
TEST(Trust, PreloadedAllocatorsStartAndBehaveAsBare) {
  REQUIRE_SIGSTORM();
  int tried = 0;
  for (const char* lib : {"libjemalloc.so.2", "libtcmalloc_minimal.so.4", "libtcmalloc.so.4", "libmimalloc.so.2"}) {
    const std::string path = kLibDir + lib;
    if (access(path.c_str(), R_OK) != 0) continue;
    SCOPED_TRACE(lib);
    ++tried;
    RunOptions o;
    o.env_set = {{"LD_PRELOAD", path}};
    auto echo = run_both({"/bin/echo", "hi"}, o);
    expect_transparent(echo);
    EXPECT_EQ(echo.storm.result.out, "hi\n");
    if (!python().empty()) {
      auto py = run_both({python(), "-c", "import json; print(json.dumps({'x': list(range(5))}))"}, o);
      expect_transparent(py);
      EXPECT_EQ(py.storm.result.out, "{\"x\": [0, 1, 2, 3, 4]}\n");
    }
  }
  if (tried == 0) GTEST_SKIP() << "no jemalloc/tcmalloc/mimalloc in " << kLibDir << " (scripts/build installs them)";
}

// The same program linked against each allocator: its handler runs under
// injections at malloc, transparently; an allocating handler is found.
TEST(Trust, LinkedAllocatorsAreCheckedAndBehaveAsBare) {
  REQUIRE_SIGSTORM();
  int tried = 0;
  for (const char* name : {"alloc_jemalloc", "alloc_tcmalloc", "alloc_mimalloc"}) {
    if (access(target(name).c_str(), X_OK) != 0) continue;
    SCOPED_TRACE(name);
    ++tried;
    auto c = run_both({target(name)}, {}, {"--inject", "USR1@call:malloc,when=1000+1000"});
    expect_same_exit(c.bare, c.storm, false);
    EXPECT_EQ(c.bare.out, "blocks=12800 handled=4\n");
    ASSERT_EQ(c.storm.report["injections"].size(), 1u);
    // Every injected SIGUSR1 ran the handler, once each.
    const int fired = c.storm.report["injections"][0].value("fired", 0);
    EXPECT_GE(fired, 10) << c.storm.describe();
    EXPECT_EQ(c.storm.result.out, "blocks=12800 handled=" + std::to_string(4 + fired) + "\n") << c.storm.describe();
    EXPECT_TRUE(c.storm.findings().empty()) << c.storm.describe();

    auto s = run_sigstorm({}, {target(name), "unsafe"});
    const auto f = s.findings("unsafe-call", "malloc");
    ASSERT_EQ(f.size(), 1u) << s.describe();
    EXPECT_TRUE(has_frame(f[0], "on_usr1", "alloc_linked.c",
                          line_of(source_path("tests/e2e/alloc/alloc_linked.c"), "@line:handler-malloc")))
        << f[0].dump(1);
  }
  if (tried == 0) GTEST_SKIP() << "no allocator-linked targets were built (no allocators in " << kLibDir << ")";
}

// ---------------------------------------------------------------- vfork

// A vfork/posix_spawn/clone(CLONE_VM) child that resets dispositions must not
// change the parent's handlers (Python's subprocess does this).
TEST(Trust, VforkChildResettingHandlersLeavesTheParentsAlone) {
  REQUIRE_SIGSTORM();
  auto c = run_both({target("vfork_reset")});
  expect_transparent(c);
  EXPECT_EQ(c.bare.out, "after vfork: ours=1\nafter posix_spawn: ours=1\nafter clone: ours=1\nterms=1\n");
  expect_no_notes(c.storm);
}

TEST(Trust, PythonSigtermHandlerSurvivesSubprocess) {
  REQUIRE_SIGSTORM();
  if (python().empty()) GTEST_SKIP() << "no python3";
  const std::string prog = R"(
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, lambda s, f: (print("handled"), sys.exit(3)))
subprocess.run(["true"])
print("ready", flush=True)
time.sleep(10)
print("not handled")
)";
  auto s = run_sigstorm({"--inject", "TERM@after:300ms"}, {python(), "-c", prog});
  EXPECT_EQ(s.result.out, "ready\nhandled\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 3) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
  expect_no_notes(s);
}

// ---------------------------------------------------------------- SIG_ERR

TEST(Trust, HandlerInstalledOverSigErrIsChecked) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("sigerr_prev")});
  EXPECT_EQ(s.result.out, "old1_is_err=1\nquery_is_err=1 errno_einval=1\nold2_is_dfl=1\nusr1 handled\nusr2 handled\n");
  const std::string src = target_source("sigerr_prev.c");
  const auto f1 = s.findings("unsafe-call", "printf");
  ASSERT_EQ(f1.size(), 2u) << s.describe();
  bool usr1 = false, usr2 = false;
  for (const auto& f : f1) {
    usr1 |= name_matches(f["handler"], "on_usr1") && has_frame_at(f, "sigerr_prev.c", line_of(src, "@line:usr1-printf"));
    usr2 |= name_matches(f["handler"], "on_usr2") && has_frame_at(f, "sigerr_prev.c", line_of(src, "@line:usr2-printf"));
  }
  EXPECT_TRUE(usr1 && usr2) << s.describe();
  expect_no_notes(s);
}

// ---------------------------------------------------------------- siglongjmp

// Jumps out of a handler many times in a row, with no interposed call in
// between: each later delivery must judge the mask the jump left, not the
// one its own delivery set.
TEST(Trust, RepeatedSiglongjmpIsClean) {
  REQUIRE_SIGSTORM();
  auto c = run_both({target("fp_siglongjmp_loop")});
  expect_transparent(c);
  EXPECT_EQ(c.bare.out, "readable=8 faults=8 recoveries=6 segv_blocked=0 usr1_blocked=0\n");
  expect_no_notes(c.storm);
}

// A longjmp out of a SIGSEGV handler, then a second fault with SIGSEGV still
// blocked: the kernel kills the process; sigstorm reports why.
TEST(Trust, DeathAfterLongjmpEscapeIsReported) {
  REQUIRE_SIGSTORM();
  auto bare = run({target("longjmp_death")});
  ASSERT_EQ(bare.term_signal, SIGSEGV) << bare.describe();
  auto s = run_sigstorm({}, {target("longjmp_death")});
  EXPECT_EQ(s.result.exit_code, 66) << s.describe();
  EXPECT_EQ(s.report["exit"]["signal"], "SIGSEGV") << s.describe();
  const auto f = s.findings("longjmp-mask");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_TRUE(name_matches(f[0]["handler"], "on_segv")) << f[0].dump(1);
  EXPECT_NE(f[0].value("message", "").find("killed by SIGSEGV"), std::string::npos) << f[0].dump(1);
  EXPECT_TRUE(has_frame_at(f[0], "longjmp_death.c", line_of(target_source("longjmp_death.c"), "@line:handler")))
      << f[0].dump(1);

  // Without --report: the text says how the program ended.
  auto text = run({cli_path(), "run", "--", target("longjmp_death")});
  EXPECT_NE(text.err.find("sigstorm: program killed by SIGSEGV\n"), std::string::npos) << text.describe();
}

// ---------------------------------------------------------------- from=

TEST(Trust, StormWaitsForTheInterpretersHandler) {
  REQUIRE_SIGSTORM();
  if (python().empty()) GTEST_SKIP() << "no python3";
  const std::string prog = R"(
import signal, time
n = 0
def h(s, f):
    global n
    n += 1
signal.signal(signal.SIGUSR1, h)
t = time.time()
while n < 20 and time.time() - t < 10:
    time.sleep(0.001)
print("handled", n >= 20)
)";
  // Default from=handler: the storm starts once the handler is in, and
  // pauses when the interpreter resets it at exit.
  auto s = run_sigstorm({"--inject", "USR1@every:1ms"}, {python(), "-c", prog});
  EXPECT_EQ(s.result.out, "handled True\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_GE(s.report["injections"][0].value("fired", 0), 20) << s.describe();
  expect_no_notes(s);

  // from=start: the first ticks kill the interpreter before it gets there;
  // the text report says so.
  auto early = run({cli_path(), "run", "--inject", "USR1@every:1ms,from=start", "--", python(), "-c", prog});
  EXPECT_EQ(early.shell_status(), 128 + SIGUSR1) << early.describe();
  EXPECT_NE(early.err.find("sigstorm: program killed by SIGUSR1 (sent by --inject USR1@every:1ms,from=start; "
                           "the program had no handler for it)"),
            std::string::npos)
      << early.describe();
}

// The program sets the signal back to SIG_DFL while the storm ticks: the
// tick in flight is delivered to the handler still installed, and none is
// sent after (before, a tick between the clock's look and its send killed
// the program within about 100 of these 600 resets).
TEST(Trust, StormNeverTicksIntoTheDefaultTheProgramSetsBack) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@every:50us"}, {target("storm_reset")});
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_EQ(s.result.out, "ran=1\n") << "the handler ran\n" << s.describe();
  EXPECT_GE(s.report["injections"][0].value("fired", 0), 100) << s.describe();
}

TEST(Trust, StormThatNeverStartsSaysWhy) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@every:1ms"}, {"/bin/sleep", "0.2"});
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  ASSERT_EQ(s.report["injections"].size(), 1u);
  EXPECT_EQ(s.report["injections"][0].value("fired", -1), 0);
  const auto notes = s.report.value("notes", json::array());
  ASSERT_EQ(notes.size(), 1u) << s.describe();
  EXPECT_NE(notes[0].get<std::string>().find("USR1@every:1ms never started: the program never installed a handler or "
                                             "SIG_IGN for SIGUSR1"),
            std::string::npos)
      << s.describe();
}

// ---------------------------------------------------------------- EINTR livelock

// mode=eintr at every call of read, into a loop that retries on EINTR: the
// spec is warned about, stopped after its implicit max, and the note says so.
TEST(Trust, EintrEveryCallIsGuardedAgainstRetryLoops) {
  REQUIRE_SIGSTORM();
  std::string input;
  for (int i = 0; i < 2000; ++i) input += std::to_string(i) + "\n";
  RunOptions o;
  o.stdin_data = input;
  auto s = run_sigstorm({"--inject", "USR1@call:read,mode=eintr"}, {target("retry_read")}, o);
  EXPECT_EQ(s.result.out, "bytes=" + std::to_string(input.size()) + " eintr=10000\n") << s.describe();
  EXPECT_EQ(s.report["injections"][0].value("fired", 0), 10000) << s.describe();
  const auto notes = s.report.value("notes", json::array());
  ASSERT_EQ(notes.size(), 1u) << s.describe();
  EXPECT_NE(notes[0].get<std::string>().find("stopped after 10000 firings"), std::string::npos) << s.describe();

  auto text = run({cli_path(), "run", "--inject", "USR1@call:read,mode=eintr", "--", target("retry_read")}, o);
  EXPECT_NE(text.err.find("sigstorm: warning: --inject 'USR1@call:read,mode=eintr': mode=eintr fails every call of "
                          "read"),
            std::string::npos)
      << text.describe();
}

// ---------------------------------------------------------------- many processes

// More processes than the run file has entries (512): every one is in the
// report once (fork then exec is one process), every firing is counted, and
// every finding names the processes it came from.
TEST(Trust, ThousandsOfProcessesAreAllCounted) {
  REQUIRE_SIGSTORM();
  constexpr int kChildren = 700;
  const std::string loop = "i=0; while [ $i -lt " + std::to_string(kChildren) + " ]; do " + target("many_one") +
                           "; i=$((i+1)); done";
  RunOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  auto s = run_sigstorm({"--inject", "USR1@call:close"}, {"/bin/sh", "-c", loop}, o);
  ASSERT_EQ(s.result.shell_status(), 66) << s.describe();
  const auto procs = s.report.value("processes", json::array());
  EXPECT_EQ(procs.size(), size_t(kChildren + 1));
  std::set<int> pids;
  int many = 0;
  for (const auto& p : procs) {
    pids.insert(p.value("pid", 0));
    many += p.value("exe", "") == target("many_one");
  }
  EXPECT_EQ(pids.size(), procs.size()) << "a pid is listed twice";
  EXPECT_EQ(many, kChildren);
  EXPECT_EQ(s.report["injections"][0].value("fired", 0), kChildren);
  EXPECT_EQ(s.report["injections"][0]["processes"].size(), size_t(kChildren));
  const auto f = s.findings("unsafe-call", "malloc");
  ASSERT_EQ(f.size(), 1u) << s.describe();
  EXPECT_EQ(f[0].value("count", 0), kChildren);
  EXPECT_EQ(f[0]["pids"].size(), size_t(kChildren));
  for (const auto& pid : f[0]["pids"]) EXPECT_TRUE(pids.count(pid.get<int>())) << pid;
  expect_no_notes(s);
}

// ---------------------------------------------------------------- leftovers

// A daemon master with two workers outlives the program: three processes.
TEST(Trust, LeftoverProcessTreeIsCountedWhole) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {"/bin/sh", "-c", "sh -c 'sleep 3 & sleep 3 & wait' >/dev/null 2>&1 & exit 0"});
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  const auto notes = s.report.value("notes", json::array());
  ASSERT_EQ(notes.size(), 1u) << s.describe();
  EXPECT_EQ(notes[0].get<std::string>().rfind("3 processes of the run still running", 0), 0u) << s.describe();
}

// --timeout is part of the run: the replay line keeps it.
TEST(Trust, ReplayLineKeepsTheTimeout) {
  REQUIRE_SIGSTORM();
  auto r = run({cli_path(), "run", "--seed", "7", "--timeout", "30s", "--inject", "USR1@call:close", "--",
                target("many_one")});
  EXPECT_EQ(r.shell_status(), 66) << r.describe();
  EXPECT_NE(r.err.find("sigstorm: replay with: sigstorm run --seed 7 --timeout 30s --inject USR1@call:close -- " +
                       target("many_one") + "\n"),
            std::string::npos)
      << r.describe();
}

// ---------------------------------------------------------------- privilege drop

// A process that drops to another user and execs cannot open the run file
// (0600 in a 0700 directory); it gets the file from the CLI, so its
// findings reach the report, and nothing is blamed on a raw rt_sigaction.
TEST(Trust, FindingsSurviveAPrivilegeDropAndExec) {
  REQUIRE_SIGSTORM();
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  const std::vector<std::vector<std::string>> droppers = {
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", target("sigerr_prev")},
      {"/usr/sbin/runuser", "-u", "nobody", "--", target("sigerr_prev")},
  };
  int tried = 0;
  for (const auto& argv : droppers) {
    if (access(argv[0].c_str(), X_OK) != 0) continue;
    SCOPED_TRACE(argv[0]);
    ++tried;
    auto s = run_sigstorm({}, argv);
    EXPECT_EQ(s.result.shell_status(), 66) << s.describe();
    EXPECT_EQ(s.findings("unsafe-call", "printf").size(), 2u) << s.describe();
    EXPECT_EQ(s.result.err.find("cannot open the run file"), std::string::npos) << s.describe();
    expect_no_notes(s);
  }
  if (tried == 0) GTEST_SKIP() << "neither setpriv nor runuser is installed";
}

// ---------------------------------------------------------------- proof of exercise

// Also when nothing is found, the report says which handlers ran, how often,
// and what the call: injections had them interrupt.
TEST(Trust, HandlersThatRanAreListed) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {target("fp_siglongjmp_loop")});
  ASSERT_TRUE(s.findings().empty()) << s.describe();
  std::map<std::string, json> by_signal;
  for (const auto& h : s.report.value("handlers", json::array())) by_signal[h.value("signal", "")] = h;
  ASSERT_EQ(by_signal.size(), 2u) << s.describe();
  EXPECT_EQ(by_signal["SIGUSR1"].value("handler", ""), "on_usr1");
  EXPECT_EQ(by_signal["SIGUSR1"].value("ran", 0), 6);
  EXPECT_EQ(by_signal["SIGSEGV"].value("handler", ""), "on_segv");
  EXPECT_EQ(by_signal["SIGSEGV"].value("ran", 0), 8);

  auto c = run_sigstorm({"--inject", "USR1@call:close"}, {target("many_one")});
  const auto hs = c.report.value("handlers", json::array());
  ASSERT_EQ(hs.size(), 1u) << c.describe();
  EXPECT_EQ(hs[0].value("ran", 0), 1);
  EXPECT_EQ(hs[0].value("at_call", 0), 1);
  EXPECT_EQ(hs[0]["interrupted"], json({"close"}));

  auto text = run({cli_path(), "run", "--", target("fp_siglongjmp_loop")});
  EXPECT_NE(text.err.find("sigstorm: handler on_segv for SIGSEGV ran 8 times\n"), std::string::npos) << text.describe();
}

// ---------------------------------------------------------------- run options users asked for

TEST(Trust, NoFollowChildrenLeavesExecedProgramsBare) {
  REQUIRE_SIGSTORM();
  auto followed = run_sigstorm({}, {"/bin/sh", "-c", target("sigerr_prev") + " >/dev/null"});
  EXPECT_EQ(followed.findings("unsafe-call", "printf").size(), 2u) << followed.describe();

  auto s = run_sigstorm({"--no-follow-children"}, {"/bin/sh", "-c", target("sigerr_prev") + " >/dev/null; echo \"[$LD_PRELOAD][$SIGSTORM_RUN_FILE]\""});
  EXPECT_EQ(s.result.out, "[][]\n") << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
  const auto procs = s.report.value("processes", json::array());
  ASSERT_EQ(procs.size(), 1u) << s.describe();
  EXPECT_EQ(procs[0].value("exe", ""), "/usr/bin/dash") << s.describe();
}

TEST(Trust, MaxFindingsAndSignalFilter) {
  REQUIRE_SIGSTORM();
  auto all = run_sigstorm({}, {target("sigerr_prev")});
  ASSERT_EQ(all.findings().size(), 2u) << all.describe();

  auto one = run_sigstorm({"--max-findings", "1"}, {target("sigerr_prev")});
  EXPECT_EQ(one.findings().size(), 1u) << one.describe();
  EXPECT_EQ(one.result.shell_status(), 66) << one.describe();
  EXPECT_EQ(one.report.value("notes", json::array()), json({"1 more finding not shown (--max-findings 1)"}))
      << one.describe();

  auto usr2 = run_sigstorm({"--signals", "USR2"}, {target("sigerr_prev")});
  ASSERT_EQ(usr2.findings().size(), 1u) << usr2.describe();
  EXPECT_EQ(usr2.findings()[0].value("signal", ""), "SIGUSR2");
  EXPECT_EQ(usr2.report.value("notes", json::array()),
            json({"1 finding in handlers for other signals left out (--signals SIGUSR2)"}))
      << usr2.describe();

  // Only findings for other signals: nothing counts, the program's status.
  auto none = run_sigstorm({"--signals", "HUP"}, {target("sigerr_prev")});
  EXPECT_TRUE(none.findings().empty()) << none.describe();
  EXPECT_EQ(none.result.shell_status(), 0) << none.describe();
}

// --timeout with --kill-after: SIGTERM first, so the program can finish.
TEST(Trust, TimeoutTermsThenKills) {
  REQUIRE_SIGSTORM();
  if (python().empty()) GTEST_SKIP() << "no python3";
  const std::string prog = R"(
import signal, sys, time
signal.signal(signal.SIGTERM, lambda s, f: (print("flushed statistics"), sys.exit(0)))
print("running", flush=True)
time.sleep(30)
)";
  auto s = run_sigstorm({"--timeout", "300ms", "--kill-after", "5s"}, {python(), "-c", prog});
  EXPECT_EQ(s.result.out, "running\nflushed statistics\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_EQ(s.report.value("notes", json::array()),
            json({"run ended by --timeout after 300ms (SIGTERM; the program ended within --kill-after 5s)"}))
      << s.describe();
  EXPECT_EQ(s.report.value("kill_after", ""), "5s");

  auto stubborn = run_sigstorm({"--timeout", "200ms", "--kill-after", "200ms"},
                               {"/bin/sh", "-c", "trap '' TERM; while :; do :; done"});
  EXPECT_EQ(stubborn.result.shell_status(), 128 + SIGKILL) << stubborn.describe();
  EXPECT_EQ(stubborn.report.value("notes", json::array()),
            json({"run ended by --timeout after 200ms (SIGTERM, then SIGKILL 200ms later)"}))
      << stubborn.describe();
}

// Injections aimed at worker processes: target=children (forked workers, as
// nginx's), target=NAME (a program the run execs). The master, which has no
// handler, is never hit.
TEST(Trust, InjectionsAimedAtChildren) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@every:1ms,target=children"}, {target("workers"), "2"});
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_EQ(s.result.out, "worker handled>=5\nworker handled>=5\nmaster: 0 workers failed\n") << s.describe();
  ASSERT_EQ(s.report["injections"].size(), 1u);
  EXPECT_EQ(s.report["injections"][0]["processes"].size(), 2u) << "fired in both workers\n" << s.describe();

  auto named = run_sigstorm({"--inject", "USR1@every:1ms,target=exe:workers"},
                            {"/bin/sh", "-c", target("workers") + " 0; echo sh survived"});
  EXPECT_EQ(named.result.shell_status(), 0) << named.describe();
  EXPECT_EQ(named.result.out, "worker handled>=5\nsh survived\n") << named.describe();
  EXPECT_GE(named.report["injections"][0].value("fired", 0), 5) << named.describe();
}
