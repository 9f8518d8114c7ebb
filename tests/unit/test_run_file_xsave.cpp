// The XSAVE area's size travels in the run file (inject/wire/xsave.h): the
// CLI asks CPUID once, so that no process of the run has to.
#include <gtest/gtest.h>

#include "inject/run/run_file.h"
#include "inject/wire/xsave.h"

namespace {

using namespace sigstorm;

TEST(RunFileXsave, TheCliMeasuresItForEveryProcess) {
  wire::Config config{};
  RunFile rf = RunFile::create(config);
  const uint32_t want = wire::xsave_area_size() + 1;
  EXPECT_EQ(rf.read().config.xsave_area, want) << "0 would make every process ask CPUID";
  // `sigstorm fuzz` resets the header for each run from a Config without it.
  auto& header = const_cast<wire::Header&>(rf.read());
  header.config.xsave_area = 0;
  reset_run(header, config);
  EXPECT_EQ(rf.read().config.xsave_area, want);
}

}  // namespace
