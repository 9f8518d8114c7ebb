// The hang watchdog against a real stuck process: it probes the thread the
// Active table names, sees the shim's answer (here: the test child's own
// probe handler), and ends the run with SIGKILL, answer or not.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "inject/run/audit.h"
#include "inject/run/watchdog.h"

extern "C" __attribute__((noinline, used)) void sigstorm_watchdog_test_handler(int) {
  asm volatile("" ::: "memory");
}

namespace sigstorm {
namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

wire::Header* g_child_header = nullptr;

// What the shim's probe handler does: record the hang.
void probe_handler(int, siginfo_t* info, void*) {
  if (info->si_code != SI_TKILL || info->si_pid != getppid()) return;
  wire::Record& r = g_child_header->records[g_child_header->next_record.fetch_add(1)];
  r.kind = wire::kHandlerHang;
  r.pid = getpid();
  r.tid = getpid();
  r.signal = SIGUSR1;
  r.count.store(1);
  r.state.store(wire::kReady, std::memory_order_release);
}

// A child "stuck in a handler"; it answers the probe unless told to block it.
pid_t stuck_child(const RunFile& rf, bool block_probe) {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    g_child_header = const_cast<wire::Header*>(&rf.read());
    struct sigaction sa {};
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMAX - wire::kProbeSignalFromMax, &sa, nullptr);
    if (block_probe) {
      sigset_t s;
      sigemptyset(&s);
      sigaddset(&s, SIGRTMAX - wire::kProbeSignalFromMax);
      sigprocmask(SIG_BLOCK, &s, nullptr);
    }
    char c = 'r';
    if (write(ready[1], &c, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  if (read(ready[0], &c, 1) != 1) return -1;
  close(ready[0]);
  return pid;
}

void publish(const RunFile& rf, pid_t pid, uint64_t since) {
  wire::Active& a = const_cast<wire::Header&>(rf.read()).active[0];
  a.pid = pid;
  a.signal = SIGUSR1;
  a.handler = reinterpret_cast<uintptr_t>(&sigstorm_watchdog_test_handler);
  a.tid.store(pid);
  a.since_ns.store(since, std::memory_order_release);
}

RunFile run_file() {
  wire::Config cfg{};
  cfg.checks = wire::kAllChecks;
  cfg.hang_timeout_ns = 50'000'000;
  cfg.cli_pid = getpid();
  return RunFile::create(cfg);
}

// Polls until the watchdog ended the run or `limit` passed.
void drive(HangWatchdog& wd, uint64_t limit_ns) {
  const uint64_t end = now_ns() + limit_ns;
  while (now_ns() < end) {
    wd.poll(now_ns());
    if (!wd.events().empty() && wd.events()[0].ended) return;
    usleep(5000);
  }
}

TEST(Watchdog, ProbesAStuckHandlerAndEndsTheRun) {
  RunFile rf = run_file();
  const pid_t child = stuck_child(rf, false);
  ASSERT_GT(child, 0);
  HangWatchdog wd(rf, 50'000'000, child, true);
  EXPECT_TRUE(wd.enabled());
  EXPECT_GE(wd.interval_ns(), 1'000'000u);

  publish(rf, child, now_ns());
  wd.poll(now_ns());
  EXPECT_TRUE(wd.events().empty()) << "not stuck yet";

  drive(wd, 3'000'000'000ull);
  ASSERT_EQ(wd.events().size(), 1u);
  const HangEvent& ev = wd.events()[0];
  EXPECT_EQ(ev.pid, child);
  EXPECT_EQ(ev.tid, child);
  EXPECT_EQ(ev.signal, SIGUSR1);
  EXPECT_TRUE(ev.recorded) << "the probe was answered";
  EXPECT_TRUE(ev.ended);
  ASSERT_TRUE(ev.handler.has_value());
  EXPECT_FALSE(ev.handler->module.empty());
  Symbolizer s;
  EXPECT_EQ(s.symbolize(ev.handler->module, ev.handler->offset).function, "sigstorm_watchdog_test_handler");

  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // The same hang is probed once.
  wd.poll(now_ns());
  EXPECT_EQ(wd.events().size(), 1u);
}

TEST(Watchdog, EndsTheRunWhenTheProbeIsBlocked) {
  RunFile rf = run_file();
  const pid_t child = stuck_child(rf, true);
  ASSERT_GT(child, 0);
  HangWatchdog wd(rf, 50'000'000, child, true);
  publish(rf, child, now_ns() - 1'000'000'000ull);
  const uint64_t start = now_ns();
  drive(wd, 5'000'000'000ull);
  ASSERT_EQ(wd.events().size(), 1u);
  EXPECT_FALSE(wd.events()[0].recorded);
  EXPECT_TRUE(wd.events()[0].ended);
  EXPECT_GE(now_ns() - start, 900'000'000ull) << "the shim got its time to answer";
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(Watchdog, DisabledOrGoneDoesNothing) {
  RunFile rf = run_file();
  HangWatchdog off(rf, 50'000'000, 0, false);
  EXPECT_FALSE(off.enabled());
  // A slot of a process that no longer exists: nothing to probe.
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  publish(rf, dead, now_ns() - 1'000'000'000ull);
  off.poll(now_ns());
  EXPECT_TRUE(off.events().empty());
  HangWatchdog on(rf, 50'000'000, 0, true);
  on.poll(now_ns());
  EXPECT_TRUE(on.events().empty());
}

void nothing(int) {}

TEST(HandlerAudit, CaughtSignalsAndNames) {
  struct sigaction sa {}, old {};
  sa.sa_handler = nothing;
  ASSERT_EQ(sigaction(SIGURG, &sa, &old), 0);
  const auto mask = caught_signals(getpid());
  sigaction(SIGURG, &old, nullptr);
  ASSERT_TRUE(mask.has_value());
  EXPECT_TRUE(*mask & (1ull << (SIGURG - 1)));
  EXPECT_EQ(caught_signals(-1), std::nullopt);
  EXPECT_EQ(signal_list((1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1))), "SIGUSR1, SIGUSR2");
  EXPECT_EQ(signal_list(0), "");
}

// A child catches SIGUSR1 (which the shim "installed": expected_caught) and
// SIGUSR2 (which it did not): only SIGUSR2 is reported, after two looks.
TEST(HandlerAudit, ReportsHandlersTheShimDidNotInstall) {
  RunFile rf = run_file();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    struct sigaction sa {};
    sa.sa_handler = nothing;
    sigaction(SIGUSR1, &sa, nullptr);
    sigaction(SIGUSR2, &sa, nullptr);
    char c = 'r';
    if (write(ready[1], &c, 1) != 1) _exit(1);
    for (;;) pause();
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  wire::Header& h = const_cast<wire::Header&>(rf.read());
  wire::Process& p = h.processes[0];
  p.pid = child;
  p.expected_caught.store(1ull << (SIGUSR1 - 1));
  h.next_process.store(1);  // as the shim claims an entry: readers look at [0, next_process)
  p.state.store(wire::kReady);

  HandlerAudit audit(rf);
  audit.sample();
  EXPECT_TRUE(audit.unchecked().empty()) << "one look is not enough";
  audit.sample();
  ASSERT_EQ(audit.unchecked().count(child), 1u);
  EXPECT_EQ(audit.unchecked().at(child), 1ull << (SIGUSR2 - 1));

  // A zombie still shows its handlers: a final look counts at once.
  HandlerAudit last(rf);
  kill(child, SIGKILL);
  siginfo_t si{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(child), &si, WEXITED | WNOWAIT), 0);
  last.sample_final(child);
  EXPECT_EQ(last.unchecked().count(child), 1u);
  waitpid(child, nullptr, 0);
  // Reaped: nothing left to look at.
  HandlerAudit gone(rf);
  gone.sample_final(child);
  EXPECT_TRUE(gone.unchecked().empty());
  close(ready[0]);
  close(ready[1]);
}

}  // namespace
}  // namespace sigstorm
