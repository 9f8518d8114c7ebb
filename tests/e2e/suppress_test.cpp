// Suppressions end to end (--suppressions, --gen-suppressions, --verbosity)
// for run, report and fuzz: generated lines round-trip (no finding counts,
// exit 0, the handler still ran), unused lines are named, suppressed
// findings stay in JSON and SARIF marked, bad files are usage errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"

using namespace e2e;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines --gen-suppressions printed, as a suppressions file would hold them.
std::string generated_lines(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find("  # sigstorm --gen-suppressions: ") != std::string::npos) out += line + "\n";
  return out;
}

uint64_t handler_runs(const json& report) {
  uint64_t n = 0;
  for (const json& h : report["handlers"]) n += h["ran"].get<uint64_t>();
  return n;
}

}  // namespace

TEST(Suppressions, GeneratedLinesRoundTrip) {
  REQUIRE_SIGSTORM();
  const auto first = run({cli_path(), "run", "--gen-suppressions", "--", example("handler_alloc")});
  ASSERT_EQ(first.shell_status(), 66) << first.describe();
  const std::string lines = generated_lines(first.err);
  ASSERT_NE(lines.find("unsafe-call:report_status  # sigstorm --gen-suppressions: unsafe-call: malloc called"),
            std::string::npos)
      << first.err;

  TempDir dir;
  write_file(dir.file("gen.supp"), lines);
  auto again = run_sigstorm({"--suppressions", dir.file("gen.supp")}, {example("handler_alloc")});
  ASSERT_TRUE(again.report_ok) << again.describe();
  EXPECT_EQ(again.result.shell_status(), 0) << again.describe();
  EXPECT_GT(handler_runs(again.report), 0u) << "the handler ran: the findings were made, then suppressed";
  const auto findings = again.findings("unsafe-call");
  ASSERT_GE(findings.size(), 3u) << again.describe();
  for (const json& f : findings) {
    ASSERT_TRUE(f.contains("suppressed")) << f.dump();
    EXPECT_EQ(f["suppressed"]["file"], dir.file("gen.supp"));
    EXPECT_EQ(f["suppressed"]["pattern"], "report_status");
  }
  EXPECT_EQ(again.report["errors"], 0);
  EXPECT_EQ(again.report["suppressed"], findings.size());

  const auto text = run({cli_path(), "run", "--suppressions", dir.file("gen.supp"), "--", example("handler_alloc")});
  EXPECT_EQ(text.shell_status(), 0) << text.describe();
  EXPECT_NE(text.err.find("SUMMARY: sigstorm: no findings, " + std::to_string(findings.size()) + " suppressed; seed"),
            std::string::npos)
      << text.err;
  EXPECT_EQ(text.err.find("==ERROR"), std::string::npos) << "suppressed findings are only counted";
}

TEST(Suppressions, UnusedLinesNamedAndVerbosityListsMatches) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const std::string supp = dir.file("some.supp");
  write_file(supp, "# only malloc for now\nunsafe-call:malloc\nerrno-clobber:*   # nothing of this kind here\n");
  const auto r = run({cli_path(), "run", "--suppressions", supp, "--verbosity", "1", "--", example("handler_alloc")});
  EXPECT_EQ(r.shell_status(), 66) << "snprintf and free still count\n" << r.describe();
  EXPECT_NE(r.err.find("sigstorm: suppression " + supp + ":3 'errno-clobber:*' matched no finding"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sigstorm: suppressed by " + supp + ":2 'unsafe-call:malloc': unsafe-call: malloc called"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(unsafe-call 2) in 1 process, 1 suppressed; seed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("snprintf called from handler report_status"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("ERROR: sigstorm: unsafe-call: malloc called"), std::string::npos) << r.err;
}

TEST(Suppressions, BadFilesAreUsageErrors) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const auto missing = run({cli_path(), "run", "--suppressions", dir.file("nope.supp"), "--", example("handler_alloc")});
  EXPECT_EQ(missing.shell_status(), 2) << missing.describe();
  EXPECT_EQ(missing.err, "sigstorm: error: --suppressions " + dir.file("nope.supp") +
                             ": cannot read it (No such file or directory)\n");
  EXPECT_TRUE(missing.out.empty()) << "the program never started";

  write_file(dir.file("bad.supp"), "unsafe-call:ok\nreport_status\n");
  const auto bad = run({cli_path(), "fuzz", "--suppressions", dir.file("bad.supp"), "--", example("handler_alloc")});
  EXPECT_EQ(bad.shell_status(), 2) << bad.describe();
  EXPECT_EQ(bad.err, "sigstorm: error: " + dir.file("bad.supp") +
                         ":2: 'report_status': want KIND:PATTERN (e.g. unsafe-call:report_status)\n");

  write_file(dir.file("kind.supp"), "\n\nunsafe-calls:printf\n");
  const auto kind = run({cli_path(), "report", dir.file("r.json"), "--suppressions", dir.file("kind.supp")});
  EXPECT_EQ(kind.shell_status(), 2) << kind.describe();
  EXPECT_NE(kind.err.find(dir.file("kind.supp") + ":3: unknown kind 'unsafe-calls'"), std::string::npos) << kind.err;
}

TEST(Suppressions, ReportAppliesThemToSavedJsonAndSarifMarksThem) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  const std::string saved = dir.file("saved.json");
  const auto made = run({cli_path(), "run", "-o", saved, "--", example("handler_alloc")});
  ASSERT_EQ(made.shell_status(), 66) << made.describe();
  const size_t findings = json::parse(read_file(saved))["findings"].size();
  ASSERT_GT(findings, 0u);
  write_file(dir.file("a.supp"), "unsafe-call:report_status\n");
  const auto sarif = run({cli_path(), "report", saved, "--suppressions", dir.file("a.supp"), "--format",
                          "sarif", "-o", dir.file("r.sarif")});
  ASSERT_EQ(sarif.shell_status(), 0) << sarif.describe();
  const json s = json::parse(read_file(dir.file("r.sarif")));
  const json& results = s["runs"][0]["results"];
  ASSERT_EQ(results.size(), findings);
  for (const json& res : results) {
    ASSERT_TRUE(res.contains("suppressions")) << res.dump();
    EXPECT_EQ(res["suppressions"][0]["kind"], "external");
    EXPECT_NE(res["suppressions"][0]["justification"].get<std::string>().find("a.supp:1 unsafe-call:report_status"),
              std::string::npos);
  }
  const auto text = run({cli_path(), "report", saved, "--suppressions", dir.file("a.supp")});
  EXPECT_NE(text.out.find("SUMMARY: sigstorm: no findings, "), std::string::npos) << text.out;
}

TEST(Suppressions, FuzzDoesNotStopOnASuppressedFinding) {
  REQUIRE_SIGSTORM();
  // handler_alloc's own SIGUSR1 makes the first run of the search an error
  // finding: without suppressions the search stops there.
  const auto found = run({cli_path(), "fuzz", "--seed", "3", "--runs", "4", "--", example("handler_alloc")});
  ASSERT_EQ(found.shell_status(), 66) << found.describe();
  TempDir dir;
  write_file(dir.file("f.supp"), "unsafe-call:report_status\n");
  const auto r = run({cli_path(), "fuzz", "--seed", "3", "--runs", "4", "--suppressions", dir.file("f.supp"), "-o",
                      dir.file("f.json"), "--", example("handler_alloc")});
  EXPECT_EQ(r.shell_status(), 0) << r.describe();
  EXPECT_NE(r.err.find("no error finding in 4 runs"), std::string::npos) << r.err;
  const json report = json::parse(read_file(dir.file("f.json")));
  ASSERT_FALSE(report["findings"].empty()) << "the last run's findings are in the report, suppressed";
  for (const json& f : report["findings"]) EXPECT_TRUE(f.contains("suppressed")) << f.dump();
}
