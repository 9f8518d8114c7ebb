// The runs of `sigstorm fuzz`: N jobs, each a run file and a supervisor of
// the run pipeline (inject/run/), reused from run to run. The search
// (cli/fuzz.cpp) only says which schedule to run next.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inject/fuzz/schedule.h"
#include "inject/report/report.h"
#include "inject/report/suppress.h"
#include "inject/run/program.h"
#include "inject/run/supervisor.h"

namespace sigstorm::cli {

// What one run tells the search.
struct RunResult {
  bool error = false;           // an error finding
  wire::Kind kind = wire::kUnsafeCall;
  std::string what;             // the function or handler, for messages
  bool timed_out = false;
  bool fired = false;           // an injection fired
  uint64_t elapsed_ns = 0;
};

class FuzzJobs {
 public:
  // sanitizer: the program's runtime, as child_environment() takes it.
  FuzzJobs(std::string program, std::string path, std::vector<std::string> argv, std::string shim,
           wire::Config base, Sanitizer sanitizer = {});
  ~FuzzJobs();
  FuzzJobs(const FuzzJobs&) = delete;
  FuzzJobs& operator=(const FuzzJobs&) = delete;

  void set_jobs(size_t n);
  size_t jobs() const { return jobs_.size(); }
  void set_run_timeout(uint64_t ns) { run_timeout_ns_ = ns; }
  // Findings these match do not count as the run's error (not owned).
  void set_suppressions(const Suppressions* s) { suppressions_ = s; }
  // The search's runs are copies forked by a fork server per job
  // (inject/run/fork_server.h), unless `on` is false or the program is one
  // a fork would not run faithfully. Runs without fuzz flags (minimizing,
  // replaying) always exec, as the reproducer line will.
  void set_fork_server(bool on) { fork_server_ = on, asked_exec_ = !on; }
  // How the runs are made, for the search's summary line: "fork server",
  // "exec per run (--no-fork-server)", "exec per run (no fork server: WHY)".
  std::string mode() const;
  // Called when the fork server is given up after the summary line was
  // printed (it ended during the search), with mode().
  void on_fallback(std::function<void(const std::string&)> f) { on_fallback_ = std::move(f); }
  // SIGINT, SIGTERM or SIGHUP that interrupted the search, or 0.
  int interrupted() const { return interrupted_; }

  // Starts `schedule` on job i (fuzz_flags: wire::FuzzFlags, 0 for a plain
  // `sigstorm run` as the reproducer line will do it).
  void launch(size_t i, const Schedule& schedule, uint32_t fuzz_flags);
  bool busy(size_t i) const;
  // Waits until a job's run ends; its index, or -1 when interrupted or idle.
  int wait_any();
  // Ends job i's run now.
  void stop(size_t i);
  // What job i's finished run found.
  RunResult examine(size_t i);
  // Everything job i's finished run saw: processes with their call counts
  // and handled signals (what the search learns from), interleavings.
  std::vector<ProcessEntry> processes(size_t i) const;
  const wire::Header& header(size_t i) const;
  const Schedule& schedule(size_t i) const;
  // Runs one schedule to the end on job 0.
  RunResult run_one(const Schedule& schedule, uint32_t fuzz_flags);
  // The report of job i's finished run, as `sigstorm run` writes it.
  Report report(size_t i);

 private:
  struct Job;
  std::string program_, path_;
  std::vector<std::string> argv_;
  std::string shim_;
  Sanitizer sanitizer_;
  wire::Config base_;
  uint64_t run_timeout_ns_ = 0;
  const Suppressions* suppressions_ = nullptr;
  SignalGate gate_;
  int null_fd_ = -1;
  int interrupted_ = 0;
  bool fork_server_ = true;
  bool asked_exec_ = false;   // --no-fork-server
  std::string fallback_;      // why the fork server was given up
  std::function<void(const std::string&)> on_fallback_;
  std::vector<std::unique_ptr<Job>> jobs_;
  void start_server(Job& j, const wire::Config& c, const SupervisorOptions& o);
  void give_up_server(const std::string& why);
};

}  // namespace sigstorm::cli
