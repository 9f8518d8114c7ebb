#include "cli/fuzz_jobs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/launch.h"
#include "inject/error.h"
#include "inject/options/checks.h"
#include "inject/options/functions.h"
#include "inject/run/fork_server.h"
#include "inject/run/pipeline.h"

namespace sigstorm::cli {

struct FuzzJobs::Job {
  explicit Job(const wire::Config& c) : file(RunFile::create(c)) {}
  RunFile file;
  std::unique_ptr<ForkServer> server;  // before the supervisor: a copy ends before its server
  std::unique_ptr<ExecImage> image;
  std::unique_ptr<Supervisor> supervisor;
  Outcome outcome;
  Schedule schedule;
  std::vector<std::string> env;
};

FuzzJobs::FuzzJobs(std::string program, std::string path, std::vector<std::string> argv, std::string shim,
                   wire::Config base, Sanitizer sanitizer)
    : program_(std::move(program)),
      path_(std::move(path)),
      argv_(std::move(argv)),
      shim_(std::move(shim)),
      sanitizer_(std::move(sanitizer)),
      base_(base),
      gate_({SIGINT, SIGTERM, SIGHUP}, false) {
  null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
}

FuzzJobs::~FuzzJobs() {
  jobs_.clear();  // supervisors kill what still runs
  if (null_fd_ >= 0) ::close(null_fd_);
}

void FuzzJobs::set_jobs(size_t n) {
  while (jobs_.size() < n) {
    jobs_.push_back(std::make_unique<Job>(base_));
    Job& j = *jobs_.back();
    j.env = child_environment(shim_, j.file.path(), sanitizer_, base_.checks);
    j.image = std::make_unique<ExecImage>(path_, argv_, j.env);
  }
}

bool FuzzJobs::busy(size_t i) const { return jobs_[i]->supervisor && jobs_[i]->supervisor->running(); }
const wire::Header& FuzzJobs::header(size_t i) const { return jobs_[i]->file.read(); }
const Schedule& FuzzJobs::schedule(size_t i) const { return jobs_[i]->schedule; }

void FuzzJobs::launch(size_t i, const Schedule& schedule, uint32_t fuzz_flags) {
  Job& j = *jobs_[i];
  wire::Config c = base_;
  c.fuzz = fuzz_flags;
  c.injection_count = static_cast<uint32_t>(schedule.size());
  for (size_t k = 0; k < schedule.size() && k < wire::kMaxInjections; ++k) c.injections[k] = schedule[k];
  c.cli_pid = getpid();
  j.schedule = schedule;
  SupervisorOptions o;
  o.hang_timeout_ns = base_.hang_timeout_ns;
  o.hang_check = (base_.checks & wire::check_bit(wire::kHandlerHang)) != 0;
  if (run_timeout_ns_) o.timeout_ns = run_timeout_ns_;
  o.own_group = true;  // the whole tree goes at the end of the run
  o.stdio_fd = null_fd_;
  o.no_aslr = fuzz_flags != 0;  // stable addresses make call sites comparable from run to run
  o.audit = false;
  o.share = false;
  o.wait_exec = false;
  // The search's runs only: minimizing and replaying exec, as the line will.
  const bool serve = fork_server_ && fuzz_flags != 0;
  j.supervisor.reset();  // the last run's, finished: it may point at the server
  if (!fork_server_) j.server.reset();
  if (serve && !j.server) start_server(j, c, o);
  if (serve && j.server) {
    c.server_pid = j.server->pid();
    o.server = j.server.get();
  }
  reset_run(const_cast<wire::Header&>(j.file.read()), c);
  j.supervisor = std::make_unique<Supervisor>(j.file, gate_, o);
  try {
    j.supervisor->start(*j.image, program_);
  } catch (const Failure& f) {
    if (!o.server) throw;
    j.supervisor.reset();
    give_up_server(j.server->why_gone());
    launch(i, schedule, fuzz_flags);
  }
}

void FuzzJobs::start_server(Job& j, const wire::Config& c, const SupervisorOptions& o) {
  reset_run(const_cast<wire::Header&>(j.file.read()), c);  // the server reads checks and policy from it
  SupervisorOptions so = o;
  so.wait_exec = true;  // a program that cannot be executed is a usage error, as with exec per run
  so.timeout_ns.reset();
  auto server = std::make_unique<ForkServer>(j.file, gate_, so);
  const std::string why = server->start(path_, argv_, j.env, program_,
                                        std::max<uint64_t>(run_timeout_ns_, 10'000'000'000ull));
  if (!why.empty()) return give_up_server(why);
  j.server = std::move(server);
}

void FuzzJobs::give_up_server(const std::string& why) {
  if (!fork_server_) return;
  fork_server_ = false;
  fallback_ = why;
  for (auto& job : jobs_)
    if (!job->supervisor || !job->supervisor->running()) {  // a running copy keeps its server to the end
      job->supervisor.reset();
      job->server.reset();
    }
  if (on_fallback_) on_fallback_(mode());
}

std::string FuzzJobs::mode() const {
  if (fork_server_) return "fork server";
  if (asked_exec_) return "exec per run (--no-fork-server)";
  return "exec per run (no fork server: " + fallback_ + ")";
}

int FuzzJobs::wait_any() {
  for (;;) {
    std::vector<Supervisor*> running;
    const uint64_t now = monotonic_ns();
    for (size_t i = 0; i < jobs_.size(); ++i) {
      Job& j = *jobs_[i];
      if (!j.supervisor || !j.supervisor->running()) continue;
      if (j.supervisor->step(now)) {
        j.outcome = j.supervisor->finish();
        return static_cast<int>(i);
      }
      running.push_back(j.supervisor.get());
    }
    if (running.empty() || interrupted_) return -1;
    if (const int sig = wait_for_step(gate_, running)) interrupted_ = sig;
  }
}

void FuzzJobs::stop(size_t i) {
  Job& j = *jobs_[i];
  if (!j.supervisor || !j.supervisor->running()) return;
  j.supervisor->stop();
  j.outcome = j.supervisor->finish();
}

std::vector<ProcessEntry> FuzzJobs::processes(size_t i) const {
  const Job& j = *jobs_[i];
  return all_processes(j.file.read(), j.supervisor ? &j.supervisor->ledger() : nullptr);
}

RunResult FuzzJobs::examine(size_t i) {
  Job& j = *jobs_[i];
  RunResult o;
  o.timed_out = j.outcome.timed_out;
  o.elapsed_ns = j.outcome.elapsed_ns;
  const wire::Header& h = j.file.read();
  for (const wire::Record* r : ready_records(h)) {
    const auto kind = record_kind(*r);
    if (!kind || !is_error(*kind) || !(h.config.checks & wire::check_bit(*kind))) continue;
    o.error = true;
    o.kind = *kind;
    if (r->function >= 0 && static_cast<size_t>(r->function) < functions().size())
      o.what = std::string(functions()[r->function].name);
    break;
  }
  for (const HangEvent& ev : j.outcome.hangs)
    if (!o.error && ev.ended) {
      o.error = true;
      o.kind = wire::kHandlerHang;
    }
  // Suppressions match symbolized findings: only when the records say
  // there is an error is the run's report made and matched.
  if (o.error && suppressions_ && !suppressions_->empty()) {
    Report report = this->report(i);
    apply_suppressions(report, *suppressions_);
    o.error = false;
    for (const Finding& f : report.findings)
      if (!f.suppressed && is_error(f.kind) && (h.config.checks & wire::check_bit(f.kind))) {
        o.error = true;
        o.kind = f.kind;
        o.what = f.function.value_or(f.handler.value_or(""));
        break;
      }
  }
  for (const ProcessEntry& p : processes(i))
    for (uint32_t k = 0; k < h.config.injection_count && k < wire::kMaxInjections; ++k) o.fired |= p.fired[k] != 0;
  return o;
}

RunResult FuzzJobs::run_one(const Schedule& schedule, uint32_t fuzz_flags) {
  launch(0, schedule, fuzz_flags);
  if (wait_any() < 0) stop(0);
  if (jobs_[0]->outcome.exec_errno)
    throw Error(program_ + ": cannot execute: " + std::strerror(jobs_[0]->outcome.exec_errno));
  return examine(0);
}

Report FuzzJobs::report(size_t i) {
  Job& j = *jobs_[i];
  Symbolizer symbolizer;
  const RunContext context{argv_, std::nullopt, "run ended by sigstorm fuzz's per-run timeout", 0, std::nullopt};
  return finish_report(j.file, j.outcome, j.supervisor->ledger(), context, symbolizer);
}

}  // namespace sigstorm::cli
