// Runs the suites, then prints each "_shim" (or other variant) benchmark as a
// ratio to its "_bare" baseline from the same run: absolute numbers vary by
// machine, the ratio and the added nanoseconds are what we track.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      ns_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-40s %10s %12s\n", "against its _bare baseline", "ratio", "added ns");
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
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
