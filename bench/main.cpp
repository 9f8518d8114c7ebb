// Runs the suites, then prints each "_shim" (or other variant) benchmark as a
// ratio to its "_bare" baseline from the same run: absolute numbers vary by
// machine, the ratio and the added nanoseconds are what we track.
//
// A shared VM's neighbours add noise in bursts of seconds, larger than the
// few nanoseconds measured here. So each benchmark runs several times,
// interleaved at random with the others (unless the command line says
// otherwise), and the ratio uses each one's fastest repetition: the run
// least disturbed by anything but the code under test.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown;
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) {
        auto [it, fresh] = ns_.emplace(r.benchmark_name(), r.GetAdjustedCPUTime());
        if (!fresh && r.GetAdjustedCPUTime() < it->second) it->second = r.GetAdjustedCPUTime();
      }
      // With repetitions, the median stands for the run on screen.
      const bool aggregate = r.run_type == Run::RT_Aggregate;
      if ((aggregate && r.aggregate_name == "median") || (!aggregate && r.repetitions <= 1)) shown.push_back(r);
    }
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-40s %10s %12s\n", "against its _bare baseline (fastest)", "ratio", "added ns");
    for (const auto& [name, ns] : ns_) {
      auto cut = name.rfind('_');
      if (cut == std::string::npos || name.compare(cut, 5, "_bare") == 0) continue;
      std::string base = name.substr(0, cut) + "_bare";
      auto it = ns_.find(base);
      if (it == ns_.end() || it->second <= 0) continue;
      std::printf("%-40s %10.2f %12.2f\n", name.c_str(), ns / it->second, ns - it->second);
    }
  }

 private:
  std::map<std::string, double> ns_;  // fastest repetition of each benchmark
};

bool given(int argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  char reps[] = "--benchmark_repetitions=7";
  char interleave[] = "--benchmark_enable_random_interleaving=true";
  char min_time[] = "--benchmark_min_time=0.2";
  if (!given(argc, argv, "--benchmark_repetitions")) args.push_back(reps);
  if (!given(argc, argv, "--benchmark_enable_random_interleaving")) args.push_back(interleave);
  if (!given(argc, argv, "--benchmark_min_time")) args.push_back(min_time);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
