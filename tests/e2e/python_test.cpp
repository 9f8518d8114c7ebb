// The Python signal tutorial's programs (examples/python/*.py) under
// `sigstorm run`: --inject makes their handlers run at once, --time-scale
// makes an alarm(5) ring in milliseconds, and the interpreter's own C-level
// handler is reported clean. Skipped when there is no python3.
//
// Injections here are at call: points (the program's own pause() or sleep),
// not at after:DUR, so they never depend on how long the interpreter takes
// to start.
#include <gtest/gtest.h>

#include <csignal>

#include "harness.h"

using namespace e2e;

namespace {

// No findings at all: the Python handlers run outside the C handler, and the
// interpreter's C handler (Modules/signalmodule.c) only sets flags.
void expect_no_findings(const SigstormRun& s) {
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_TRUE(s.findings().empty()) << "the interpreter's C-level handler is clean\n" << s.describe();
  EXPECT_EQ(s.report.value("errors", -1), 0) << s.describe();
  // ... and sigstorm did see (and so checked) every handler it installed.
  for (const json& p : s.report.value("processes", json::array()))
    EXPECT_EQ(p.value("unchecked_handlers", -1), 0) << s.describe();
  EXPECT_EQ(s.report.value("notes", json::array()), json::array()) << s.describe();
}

long long fired(const SigstormRun& s, size_t i = 0) {
  if (!s.report_ok || !s.report.contains("injections") || s.report["injections"].size() <= i) return -1;
  return s.report["injections"][i].value("fired", -1LL);
}

}  // namespace

// (a) "You pressed Ctrl+C!" then sys.exit(0), while signal.pause() waits.
// The SIGINT comes at the pause() call, which then fails with EINTR as if
// the signal had interrupted it: the handler runs at once.
TEST(Python, CtrlCHandlerRunsAtOnce) {
  REQUIRE_PYTHON();
  RunOptions brief;
  brief.timeout = std::chrono::milliseconds(1000);
  auto bare = run({python(), python_example("sigint_exit.py")}, brief);
  EXPECT_TRUE(bare.timed_out) << "without a SIGINT the program waits forever\n" << bare.describe();

  auto s = run_sigstorm({"--inject", "SIGINT@call:pause,mode=eintr"}, {python(), python_example("sigint_exit.py")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_EQ(s.result.out, "Press Ctrl+C\nYou pressed Ctrl+C!\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << "sys.exit(0)\n" << s.describe();
  EXPECT_EQ(s.result.err, "") << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();
  expect_no_findings(s);
}

// (b) alarm(5) with a handler that calls the misspelled signal.alrm(0). With
// --time-scale 0.001 the alarm rings after 5 ms and the AttributeError
// shows at once, instead of after five seconds.
TEST(Python, AlarmTypoFailsInMilliseconds) {
  REQUIRE_PYTHON();
  SigstormRun s;
  // The tutorial arms the alarm *before* registering the handler. Scaled to
  // 5 ms, a busy machine may ring it in between: SIGALRM's default action
  // then ends the program (that race is the tutorial's own). Try again then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = run_sigstorm({"--time-scale", "0.001"}, {python(), python_example("alarm_typo.py")});
    if (s.result.shell_status() != 128 + SIGALRM) break;
  }
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_NE(s.result.out.find("Alarm went off!"), std::string::npos) << s.describe();
  EXPECT_EQ(s.result.out.find("Done."), std::string::npos) << "the sleep(10) was not cut short\n" << s.describe();
  EXPECT_NE(s.result.err.find("AttributeError: module 'signal' has no attribute 'alrm'"), std::string::npos)
      << s.describe();
  EXPECT_NE(s.result.err.find("signal.alrm(0)"), std::string::npos) << s.describe();
  EXPECT_EQ(s.report["exit"]["code"], 1) << "an uncaught exception\n" << s.describe();
  // The exception left the handler: handler-exception (exit_kinds_test has
  // the details), and nothing else.
  ASSERT_TRUE(s.report_ok) << s.describe();
  EXPECT_EQ(s.findings("handler-exception").size(), 1u) << s.describe();
  EXPECT_EQ(s.findings().size(), 1u) << s.describe();
  EXPECT_EQ(s.report.value("time_scale", 0.0), 0.001) << s.describe();
}

// An alarm(300) whose handler only prints, while the program sleeps ten
// minutes: CPython sleeps to a deadline (clock_nanosleep TIMER_ABSTIME) and,
// after the handler, goes back to sleep until it (PEP 475). --time-scale
// scales both, so the run ends in well under a second. (Unscaled, the
// harness's timeout fails the test; no clock is read here.)
TEST(Python, TimeScaleCoversTheSleepAfterTheAlarm) {
  REQUIRE_PYTHON();
  const std::string code =
      "import signal, time\n"
      "def handler(signum, frame):\n"
      "    print('Alarm went off!')\n"
      "signal.signal(signal.SIGALRM, handler)\n"
      "signal.alarm(300)\n"
      "time.sleep(600)\n"
      "print('Done.')\n";
  auto s = run_sigstorm({"--time-scale", "0.001"}, {python(), "-c", code});
  ASSERT_FALSE(s.result.timed_out) << "the sleep after the alarm was not scaled\n" << s.describe();
  EXPECT_EQ(s.result.out, "Alarm went off!\nDone.\n") << s.describe();
  EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
  expect_no_findings(s);
}

// (c) A threaded program whose handler reads sig.name from an int. SIGINT
// goes to the main thread as the worker makes its second sleep (the main
// thread is then waiting for the worker at the end of the script; the
// exception is "ignored" there and the interpreter exits).
TEST(Python, ThreadedHandlerAttributeError) {
  REQUIRE_PYTHON();
  auto s = run_sigstorm({"--timeout", "10s", "--inject", "SIGINT@call:clock_nanosleep,when=2,target=main"},
                        {python(), python_example("threaded_signame.py")});
  ASSERT_FALSE(s.result.timed_out) << s.describe();
  EXPECT_NE(s.result.err.find("AttributeError: 'int' object has no attribute 'name'"), std::string::npos)
      << s.describe();
  EXPECT_NE(s.result.err.find("sig.name"), std::string::npos) << s.describe();
  EXPECT_EQ(fired(s), 1) << s.describe();
  ASSERT_TRUE(s.report_ok) << s.describe();
  const auto found = s.findings("handler-exception");
  ASSERT_EQ(found.size(), 1u) << s.describe();
  EXPECT_EQ(found[0].value("exception", ""), "AttributeError") << s.describe();
  EXPECT_EQ(found[0].value("handler", ""), "signal_handler") << s.describe();
  EXPECT_EQ(s.findings().size(), 1u) << s.describe();
}

// (d) A correct handler that only records the signal: nothing to report,
// and the program does what it should.
TEST(Python, RecordOnlyHandlerReportsNothing) {
  REQUIRE_PYTHON();
  for (const char* sig : {"SIGTERM", "SIGINT"}) {
    SCOPED_TRACE(sig);
    auto s = run_sigstorm({"--inject", std::string(sig) + "@call:clock_nanosleep,when=1"},
                          {python(), python_example("record_only.py")});
    ASSERT_FALSE(s.result.timed_out) << s.describe();
    EXPECT_EQ(s.result.out,
              "Waiting for SIGINT or SIGTERM...\nReceived " + std::string(sig) + "; shutting down cleanly.\n")
        << s.describe();
    EXPECT_EQ(s.result.err, "") << s.describe();
    EXPECT_EQ(s.result.shell_status(), 0) << s.describe();
    EXPECT_EQ(fired(s), 1) << s.describe();
    expect_no_findings(s);
  }
}
