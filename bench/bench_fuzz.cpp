// Fuzzing throughput (issue 5):
//
//   FuzzInProcess/schedules   schedules/s of the in-process harness
//                             (<sigstorm/fuzz.h>): decode an input into a
//                             schedule, run a tiny scenario under it (install
//                             a handler, four write(2)s), check, restore the
//                             fuzzer's signal state, export coverage. Runs in
//                             a child: this binary re-executed with
//                             libsigstorm.so preloaded (the harness needs it
//                             in the global scope; the other benchmarks
//                             dlopen it privately).
//   FuzzCli/runs/jobs/fork    runs/s of `sigstorm fuzz` on a tiny program
//                             (fuzz/programs/status_ok), with 1 and 2 jobs,
//                             each run a copy forked by the fork server
//                             (fork:1) or an exec (fork:0, --no-fork-server),
//                             interleaved in the same run: compare the two.
//                             runs/s is the whole command's (start-up,
//                             learning run and all), exec/s the search's own
//                             figure from its DONE line.
//   FuzzDecode                decode_schedule alone, per input.
//
// Numbers are reported as counters (schedules/s, runs/s).
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <sigstorm/fuzz.h>

#include "inject/fuzz/schedule.h"

extern char** environ;

namespace {

constexpr const char* kChildEnv = "SIGSTORM_BENCH_FUZZ_CHILD";

std::string build_dir() {
  std::string shim = SIGSTORM_SHIM;  // BUILD/lib/libsigstorm.so
  shim = shim.substr(0, shim.rfind('/'));
  return shim.substr(0, shim.rfind('/'));
}

// ---- the child: N schedules through the harness, then "RATE\n" on stdout ----

int g_null = -1;
volatile sig_atomic_t g_hits;

void on_usr1(int) { g_hits = g_hits + 1; }

void scenario(const uint8_t*, size_t) {
  struct sigaction sa {};
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  for (int i = 0; i < 4; ++i) (void)!write(g_null, "x", 1);
}

__attribute__((constructor)) void child_main() {
  const char* n_text = std::getenv(kChildEnv);
  if (!n_text) return;
  const long n = std::atol(n_text);
  g_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  sigstorm::fuzz::Options options;
  options.signals = {SIGUSR1};
  sigstorm::fuzz::init();
  std::mt19937_64 rng(1);
  std::vector<uint8_t> input(9);
  for (int warm = 0; warm < 200; ++warm) sigstorm::fuzz::run(input.data(), input.size(), options, scenario);
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    for (auto& b : input) b = static_cast<uint8_t>(rng());
    sigstorm::fuzz::run(input.data(), input.size(), options, scenario);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.1f\n", static_cast<double>(n) / secs);
  std::fflush(stdout);
  _exit(0);
}

// Runs argv with extra environment; returns its stdout (and stderr when
// `merge`), or "" when it failed.
std::string capture(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env, bool merge) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string_view kv(*e);
    // The other benchmarks name their run file in this process's environment.
    if (kv.rfind("SIGSTORM_RUN_FILE=", 0) == 0 || kv.rfind("LD_PRELOAD=", 0) == 0) continue;
    env.emplace_back(kv);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> argv_p, env_p;
  for (auto& a : const_cast<std::vector<std::string>&>(argv)) argv_p.push_back(a.data());
  argv_p.push_back(nullptr);
  for (auto& e : env) env_p.push_back(e.data());
  env_p.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  if (merge) posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  else posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  const int err = posix_spawn(&pid, argv_p[0], &fa, nullptr, argv_p.data(), env_p.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t k;
  while (!err && (k = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(k));
  close(fds[0]);
  int status = 0;
  if (!err) waitpid(pid, &status, 0);
  return err ? "" : out;
}

void BM_FuzzInProcess(benchmark::State& state) {
  const long n = state.range(0);
  double rate = 0;
  for (auto _ : state) {
    const std::string out = capture({"/proc/self/exe"},
                                    {std::string(kChildEnv) + "=" + std::to_string(n),
                                     std::string("LD_PRELOAD=") + SIGSTORM_SHIM},
                                    false);
    rate = std::atof(out.c_str());
    if (rate <= 0) state.SkipWithError("the harness child failed");
  }
  state.counters["schedules/s"] = rate;
}

void BM_FuzzCli(benchmark::State& state) {
  const std::string build = build_dir();
  const std::string runs = std::to_string(state.range(0));
  const std::string jobs = std::to_string(state.range(1));
  const bool fork_server = state.range(2) != 0;
  double rate = 0, search_rate = 0;
  for (auto _ : state) {
    std::vector<std::string> argv = {build + "/bin/sigstorm", "fuzz", "--seed", "1", "--runs", runs, "--jobs", jobs};
    if (!fork_server) argv.push_back("--no-fork-server");
    argv.insert(argv.end(), {"--", build + "/fuzz/programs/status_ok"});
    const auto t0 = std::chrono::steady_clock::now();
    const std::string out = capture(argv, {}, true);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (out.find("no error finding in " + runs + " runs") == std::string::npos)
      state.SkipWithError(("sigstorm fuzz did not finish cleanly: " + out.substr(0, 300)).c_str());
    if (out.find(fork_server ? "; runs: fork server" : "; runs: exec per run") == std::string::npos)
      state.SkipWithError(("sigstorm fuzz did not run as asked: " + out.substr(0, 300)).c_str());
    rate = std::atof(runs.c_str()) / secs;
    const size_t done = out.find("DONE");
    const size_t at = done == std::string::npos ? done : out.find("exec/s: ", done);
    search_rate = at == std::string::npos ? 0 : std::atof(out.c_str() + at + 8);
  }
  state.counters["runs/s"] = rate;
  state.counters["exec/s"] = search_rate;
}

void BM_FuzzDecode(benchmark::State& state) {
  sigstorm::DecodeOptions o;
  o.signals = {SIGUSR1, SIGUSR2, SIGHUP};
  std::mt19937_64 rng(1);
  std::vector<std::vector<uint8_t>> inputs(256, std::vector<uint8_t>(13));
  for (auto& in : inputs)
    for (auto& b : in) b = static_cast<uint8_t>(rng());
  size_t i = 0;
  for (auto _ : state) {
    auto d = sigstorm::decode_schedule(inputs[i++ & 255], o);
    benchmark::DoNotOptimize(d);
  }
  state.counters["schedules/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_FuzzInProcess)->Arg(20000)->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FuzzCli)
    ->ArgNames({"runs", "jobs", "fork"})
    ->Args({300, 1, 0})
    ->Args({300, 2, 0})
    ->Args({3000, 1, 1})
    ->Args({3000, 2, 1})
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FuzzDecode);
