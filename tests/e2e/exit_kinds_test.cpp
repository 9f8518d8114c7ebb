// The tutorial's bugs that are not about async-signal-safety, as findings:
// an exception raised in a Python handler (handler-exception), a process
// killed by its own timer or SIGPIPE with no handler (default-action), a
// program that does not end after a termination signal (no-exit with
// --expect-exit). Each negative case proves that the thing happened: the
// process did die by the signal, the handler did run, the program did end.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "harness.h"

using namespace e2e;

namespace {



int line_in(const std::string& file, std::string_view text) {
  const auto lines = lines_with(file, text);
  return lines.size() == 1 ? lines[0] : -1;
}

std::string str(const json& f, const char* key) { return f.contains(key) && f[key].is_string() ? f[key].get<std::string>() : ""; }

const json* frame(const json& f, size_t i) {
  if (!f.contains("stack") || f["stack"].size() <= i) return nullptr;
  return &f["stack"][i];
}

bool frame_is(const json* fr, std::string_view function, std::string_view file_suffix, int line) {
  if (!fr) return false;
  const std::string fn = fr->value("function", json()).is_string() ? (*fr)["function"].get<std::string>() : "";
  const std::string file = (*fr)["file"].is_string() ? (*fr)["file"].get<std::string>() : "";
  const bool file_ok = file.size() >= file_suffix.size() && file.compare(file.size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0;
  return fn == function && file_ok && (*fr)["line"] == line;
}

}  // namespace

// ---------------------------------------------------------------- handler-exception

// The tutorial's misspelled signal.alrm(0): the finding names the handler,
// the signal, the exception, and its stack is the traceback, innermost
// first, down to the line the alarm interrupted.
TEST(HandlerException, AlarmTypoIsReportedWithTheTraceback) {
  REQUIRE_PYTHON();
  SigstormRun s;
  for (int attempt = 0; attempt < 3; ++attempt) {  // see Python.AlarmTypoFailsInMilliseconds: the tutorial's race
    s = run_sigstorm({"--time-scale", "0.001"}, {python(), python_example("alarm_typo.py")});
    if (s.result.shell_status() != 128 + SIGALRM) break;
  }
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.err.find("AttributeError: module 'signal' has no attribute 'alrm'"), std::string::npos)
      << "the exception still propagates\n" << s.describe();
  EXPECT_EQ(s.result.exit_code, 66) << "an error finding: --error-exitcode\n" << s.describe();
  EXPECT_EQ(s.report["exit"]["code"], 1) << "the program's own exit: an uncaught exception\n" << s.describe();
  const auto found = s.findings("handler-exception");
  ASSERT_EQ(found.size(), 1u) << s.describe();
  const json& f = found[0];
  EXPECT_EQ(str(f, "severity"), "error");
  EXPECT_EQ(str(f, "handler"), "alarm_handler") << s.describe();
  EXPECT_EQ(str(f, "signal"), "SIGALRM") << s.describe();
  EXPECT_EQ(str(f, "exception"), "AttributeError") << s.describe();
  EXPECT_EQ(str(f, "exception_message"), "module 'signal' has no attribute 'alrm'") << s.describe();
  const std::string src = python_example("alarm_typo.py");
  EXPECT_TRUE(frame_is(frame(f, 0), "alarm_handler", "alarm_typo.py", line_in(src, "signal.alrm(0)  # Cancel"))) << s.describe();
  const json* interrupted = frame(f, 1);
  EXPECT_TRUE(frame_is(interrupted, "<module>", "alarm_typo.py", line_in(src, "time.sleep(10)"))) << s.describe();
  EXPECT_TRUE(interrupted && interrupted->value("signal_frame", false)) << "the frame the signal landed in\n"
                                                                        << s.describe();
  EXPECT_EQ(f["handler_frame"]["line"], line_in(src, "def alarm_handler")) << s.describe();
}

// The program cannot tell: the same traceback text, byte for byte, and the
// same exit status as without sigstorm; signal.getsignal() returns the
// program's own handler; the program's own sitecustomize still runs.
TEST(HandlerException, ProgramBehavesAsWithoutSigstorm) {
  REQUIRE_PYTHON();
  TempDir site;
  {
    std::ofstream(site.file("sitecustomize.py")) << "print('user sitecustomize ran')\n";
  }
  const std::string code =
      "import os, signal\n"
      "def on_usr1(signum, frame):\n"
      "    raise ValueError('bad state %d' % signum)\n"
      "signal.signal(signal.SIGUSR1, on_usr1)\n"
      "print('own handler:', signal.getsignal(signal.SIGUSR1) is on_usr1)\n"
      "os.kill(os.getpid(), signal.SIGUSR1)\n"
      "print('not reached')\n";
  RunOptions o;
  o.env_set = {{"PYTHONPATH", site.path}};
  auto bare = run({python(), "-c", code}, o);
  auto s = run_sigstorm({}, {python(), "-c", code}, o);
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(bare.out, "user sitecustomize ran\nown handler: True\n") << bare.describe();
  EXPECT_EQ(s.result.out, bare.out) << s.describe();
  EXPECT_NE(bare.err.find("ValueError: bad state 10"), std::string::npos) << bare.describe();
  EXPECT_EQ(s.result.err, bare.err) << "the traceback text is unchanged\n" << s.describe();
  EXPECT_EQ(s.report["exit"]["code"], bare.exit_code) << s.describe();
  const auto found = s.findings("handler-exception");
  ASSERT_EQ(found.size(), 1u) << s.describe();
  EXPECT_EQ(str(found[0], "handler"), "on_usr1");
  EXPECT_EQ(str(found[0], "signal"), "SIGUSR1");
  EXPECT_EQ(str(found[0], "exception"), "ValueError");
  EXPECT_TRUE(frame_is(frame(found[0], 0), "on_usr1", "<string>", 3)) << s.describe();
}

// sys.exit() in a handler is how the tutorial ends a program, and an
// exception the program catches around its own code is its business... the
// first is no finding (SystemExit is not an Exception); the handler did run.
TEST(HandlerException, SystemExitFromAHandlerIsNotAFinding) {
  REQUIRE_PYTHON();
  auto s = run_sigstorm({"--inject", "SIGINT@call:pause,mode=eintr"}, {python(), python_example("sigint_exit.py")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("You pressed Ctrl+C!"), std::string::npos) << "the handler ran\n" << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
}

// ---------------------------------------------------------------- default-action

// Its own alarm(2) (or setitimer, ualarm, timer_settime) rings with no
// handler: a warning naming the call and where it was made; the process
// dies exactly as before (status 142) and the CLI returns that status.
TEST(DefaultAction, OwnTimerKillsTheProcess) {
  REQUIRE_SIGSTORM();
  const std::string src = target_source("own_signal.c");
  struct Case {
    const char* mode;
    const char* function;
    const char* cause;
    const char* marker;
  };
  for (const Case& c : {Case{"alarm", "alarm", "alarm(2)", "@line:alarm-call"},
                        Case{"setitimer", "setitimer", "setitimer(ITIMER_REAL, 200ms)", "@line:setitimer-call"},
                        Case{"ualarm", "ualarm", "ualarm(200000)", "@line:ualarm-call"},
                        Case{"timer", "timer_settime", "timer_settime(200ms)", "@line:timer-call"}}) {
    SCOPED_TRACE(c.mode);
    auto s = run_sigstorm({"--time-scale", "0.01"}, {target("own_signal"), c.mode});
    ASSERT_TRUE(s.report_ok) << s.describe();
    EXPECT_EQ(s.result.shell_status(), 128 + SIGALRM) << "a warning leaves the program's status\n" << s.describe();
    EXPECT_EQ(s.report["exit"]["signal"], "SIGALRM") << s.describe();
    const auto found = s.findings("default-action");
    ASSERT_EQ(found.size(), 1u) << s.describe();
    EXPECT_EQ(str(found[0], "severity"), "warning");
    EXPECT_EQ(str(found[0], "signal"), "SIGALRM");
    EXPECT_EQ(str(found[0], "function"), c.function) << s.describe();
    EXPECT_EQ(str(found[0], "cause"), c.cause) << s.describe();
    EXPECT_TRUE(has_frame(found[0], "main", "own_signal.c", line_of(src, c.marker))) << s.describe();
  }
}

// SIGPIPE from its own write (and send) to a pipe (socket) whose reader is
// gone: the finding names the call that broke.
TEST(DefaultAction, OwnWriteToAClosedPipe) {
  REQUIRE_SIGSTORM();
  const std::string src = target_source("own_signal.c");
  for (auto [mode, fn, marker] : {std::tuple{"pipe", "write", "@line:pipe-write"},
                                  std::tuple{"socket", "send", "@line:socket-send"}}) {
    SCOPED_TRACE(mode);
    auto s = run_sigstorm({}, {target("own_signal"), mode});
    ASSERT_TRUE(s.report_ok) << s.describe();
    EXPECT_EQ(s.result.shell_status(), 128 + SIGPIPE) << s.describe();
    const auto found = s.findings("default-action");
    ASSERT_EQ(found.size(), 1u) << s.describe();
    EXPECT_EQ(str(found[0], "signal"), "SIGPIPE");
    EXPECT_EQ(str(found[0], "function"), fn) << s.describe();
    EXPECT_EQ(str(found[0], "cause"), std::string("SIGPIPE from ") + fn) << s.describe();
    // own_signal never installs a handler, so the shim never loaded its
    // unwinder (start-up is deferred to the first handler): the stack is the
    // interrupted write alone, not its callers.
    EXPECT_EQ(found[0]["stack"].size(), 1u) << s.describe();
    (void)src;
    (void)marker;
  }
}

// Not of its own making, or not by a default action: abort(), the signal
// sent by another process (while its own alarm is armed), --inject of the
// signal, a timer with a handler. Each did happen: the process died of the
// signal (or the handler ran).
TEST(DefaultAction, NotForAbortOtherSendersInjectionsOrHandledTimers) {
  REQUIRE_SIGSTORM();
  for (auto [mode, sig] : {std::pair{"abort", SIGABRT}, std::pair{"alarm-killed", SIGALRM},
                           std::pair{"pipe-killed", SIGPIPE}}) {
    SCOPED_TRACE(mode);
    auto s = run_sigstorm({}, {target("own_signal"), mode});
    ASSERT_TRUE(s.report_ok) << s.describe();
    EXPECT_EQ(s.result.shell_status(), 128 + sig) << "the process did die of it\n" << s.describe();
    EXPECT_TRUE(s.findings().empty()) << s.describe();
  }
  auto inj = run_sigstorm({"--inject", "SIGALRM@after:50ms"}, {target("own_signal"), "inject"});
  ASSERT_TRUE(inj.report_ok) << inj.describe();
  EXPECT_EQ(inj.result.shell_status(), 128 + SIGALRM) << inj.describe();
  EXPECT_NE(str(inj.report["exit"], "cause").find("--inject SIGALRM@after:50ms"), std::string::npos) << inj.describe();
  EXPECT_TRUE(inj.findings().empty()) << "the experiment, not a bug\n" << inj.describe();

  auto handled = run_sigstorm({"--time-scale", "0.01"}, {target("own_signal"), "handled"});
  ASSERT_TRUE(handled.report_ok) << handled.describe();
  EXPECT_EQ(handled.result.out, "mode=handled\nrang\n") << "the handler ran\n" << handled.describe();
  EXPECT_EQ(handled.result.shell_status(), 0) << handled.describe();
  EXPECT_TRUE(handled.findings().empty()) << handled.describe();
}

// The Python long task: signal.alarm(10) and no handler. The "Interrupted"
// line never comes; the finding says why (alarm(10)).
TEST(DefaultAction, PythonLongTaskDiesOfItsAlarm) {
  REQUIRE_PYTHON();
  auto s = run_sigstorm({"--time-scale", "0.001"}, {python(), python_example("long_task.py")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.out, "Working...\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 128 + SIGALRM) << s.describe();
  const auto found = s.findings("default-action");
  ASSERT_EQ(found.size(), 1u) << s.describe();
  EXPECT_EQ(str(found[0], "cause"), "alarm(10)") << s.describe();
}

// ---------------------------------------------------------------- no-exit

// A server that takes SIGTERM, sets a flag and never looks at it, with a
// worker thread: past --expect-exit every thread's stack, and the run is
// ended.
TEST(NoExit, CProgramIgnoringSigterm) {
  REQUIRE_SIGSTORM();
  const std::string src = target_source("no_exit.c");
  auto s = run_sigstorm({"--expect-exit", "300ms", "--inject", "SIGTERM@after:100ms"}, {target("no_exit"), "ignores"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_FALSE(s.result.timed_out) << "the run was ended\n" << s.describe();
  EXPECT_EQ(s.result.exit_code, 66) << s.describe();
  EXPECT_EQ(s.report.value("run_ended", false), true) << s.describe();
  const auto found = s.findings("no-exit");
  ASSERT_EQ(found.size(), 2u) << "one per thread\n" << s.describe();
  bool worker = false, main = false;
  for (const json& f : found) {
    EXPECT_EQ(str(f, "signal"), "SIGTERM") << s.describe();
    EXPECT_NE(str(f, "message").find("--inject SIGTERM@after:100ms"), std::string::npos) << s.describe();
    worker |= has_frame(f, "worker", "no_exit.c", line_of(src, "@line:worker-sleep"));
    main |= has_frame(f, "main", "no_exit.c", line_of(src, "@line:main-join"));
  }
  EXPECT_TRUE(worker && main) << s.describe();
}

// The same program when its loop does look at the flag: it ends in time,
// nothing to report; the handler ran and the program printed its last line.
TEST(NoExit, ProgramThatExitsInTimeIsClean) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--expect-exit", "2s", "--inject", "SIGTERM@after:100ms"}, {target("no_exit"), "exits"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.result.out, "stopped\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  EXPECT_EQ(s.report["injections"][0]["fired"], 1) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << s.describe();
}

// --exit-signals: SIGTERM is not one of them here, so the program that
// ignores it is not timed (--timeout ends it).
TEST(NoExit, ExitSignalsChooseWhatCounts) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--expect-exit", "200ms", "--exit-signals", "SIGINT", "--timeout", "1s", "--inject",
                         "SIGTERM@after:50ms"},
                        {target("no_exit"), "ignores"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.report["injections"][0]["fired"], 1) << "SIGTERM did reach it\n" << s.describe();
  EXPECT_TRUE(s.findings("no-exit").empty()) << s.describe();
  for (const auto& args : {std::vector<std::string>{"--exit-signals", "SIGTERM"},
                           std::vector<std::string>{"--expect-exit", "1s", "--exit-signals", "SIGNOPE"},
                           std::vector<std::string>{"--expect-exit", "soon"}}) {
    std::vector<std::string> argv = {cli_path(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", target("no_exit")});
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_EQ(count_lines(r.err), 1) << r.describe();
  }
}

// The threaded tutorial program with its name bug fixed: the handler runs
// and returns, the interpreter waits for the non-daemon worker at exit. The
// stacks are Python's: threading._shutdown, and the worker's loop.
TEST(NoExit, PythonWaitsForANonDaemonThread) {
  REQUIRE_PYTHON();
  const std::string src = python_example("threaded_hang.py");
  auto s = run_sigstorm({"--expect-exit", "500ms", "--inject", "SIGINT@call:clock_nanosleep,when=2,target=main"},
                        {python(), src});
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_NE(s.result.out.find("Caught SIGINT signal"), std::string::npos) << "the handler ran\n" << s.describe();
  const auto found = s.findings("no-exit");
  bool shutdown = false, worker = false;
  for (const json& f : found) {
    shutdown |= str(f, "function") == "_shutdown";
    worker |= has_frame(f, "worker", "threaded_hang.py", line_in(src, "time.sleep(0.1)"));
  }
  EXPECT_TRUE(shutdown && worker) << s.describe();
}
