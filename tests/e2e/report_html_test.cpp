// The report's timeline end to end (the shim stamps injections and handler
// runs, collect() turns them into the JSON "timeline"), the HTML page that
// draws it rendered in headless Chromium, and the text report's colours.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"

using namespace e2e;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<json> events(const SigstormRun& s, const char* kind) {
  std::vector<json> out;
  for (const json& e : s.report["timeline"]["events"])
    if (e["kind"] == kind) out.push_back(e);
  return out;
}

// The run's JSON report in DIR (run_sigstorm's own file is gone by now).
std::string save_report(const SigstormRun& s, const TempDir& dir) {
  const std::string path = dir.file("report.json");
  std::ofstream(path) << s.report.dump();
  return path;
}

std::string requests(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "request " + std::to_string(i) + "\n";
  return s;
}

// hup_server under a call: storm at its own malloc calls: signals sent,
// handler runs that interrupted malloc, findings inside those runs.
SigstormRun hup_server_run(const TempDir& dir) {
  {
    std::ofstream(dir.file("greeting.txt")) << "hi\n";
  }
  RunOptions o;
  o.stdin_data = requests(300);
  return run_sigstorm({"--seed", "7", "--inject", "HUP@call:malloc,p=0.05"},
                      {example("hup_server"), dir.file("greeting.txt")}, o);
}

}  // namespace

TEST(Timeline, CallInjectionThenTheHandlerRunItCaused) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({"--inject", "USR1@call:close,when=3"}, {target("inj_calls"), "5"});
  ASSERT_TRUE(s.report_ok) << s.describe();
  ASSERT_EQ(field(s.result.out, "fired_at"), "3") << s.describe();
  const json& tl = s.report["timeline"];
  EXPECT_EQ(tl["seen"], 2) << "one signal sent, one handler run\n" << tl.dump(1);
  auto inj = events(s, "injection");
  auto run = events(s, "handler");
  ASSERT_EQ(inj.size(), 1u) << tl.dump(1);
  ASSERT_EQ(run.size(), 1u) << tl.dump(1);
  EXPECT_EQ(inj[0]["spec"], "USR1@call:close,when=3");
  EXPECT_EQ(inj[0]["signal"], "SIGUSR1");
  EXPECT_EQ(run[0]["signal"], "SIGUSR1");
  EXPECT_EQ(run[0]["interrupted"], "close");
  EXPECT_EQ(run[0]["handler"], "on_usr1");
  EXPECT_EQ(run[0]["tid"], inj[0]["tid"]) << "sent to the calling thread, run there";
  // Sent, then arrived, then the program's handler entered, then returned.
  const uint64_t sent = inj[0]["t_ns"], arrived = run[0]["t_ns"], entered = run[0]["enter_ns"],
                 ended = run[0]["end_ns"];
  EXPECT_LE(sent, arrived);
  EXPECT_LE(arrived, entered);
  EXPECT_LE(entered, ended);
}

TEST(Timeline, FindingsLieInsideTheHandlerRunsThatMadeThem) {
  REQUIRE_SIGSTORM();
  TempDir dir;
  auto s = hup_server_run(dir);
  ASSERT_TRUE(s.report_ok) << s.describe();
  ASSERT_FALSE(s.findings().empty()) << s.describe();
  auto runs = events(s, "handler");
  auto marks = events(s, "finding");
  ASSERT_FALSE(runs.empty());
  ASSERT_FALSE(marks.empty());
  // Sent from the program's malloc calls, so they interrupted malloc; but
  // one sent from a malloc inside reload waits (SIGHUP is blocked there)
  // and runs as reload returns, interrupting no call.
  size_t at_malloc = 0;
  for (const json& r : runs) at_malloc += r.value("interrupted", "") == "malloc";
  EXPECT_GT(at_malloc, runs.size() / 2) << s.report["timeline"].dump(1);
  for (const json& m : marks) {
    const size_t i = m["finding"];
    ASSERT_LT(i, s.findings().size());
    EXPECT_EQ(m["handler"], s.findings()[i]["handler"]);
    const uint64_t t = m["t_ns"];
    bool inside = false;
    for (const json& r : runs)
      if (r["tid"] == m["tid"] && r["enter_ns"].get<uint64_t>() <= t && !r["end_ns"].is_null() &&
          t <= r["end_ns"].get<uint64_t>())
        inside = true;
    EXPECT_TRUE(inside) << "finding mark " << m.dump() << " outside every handler run";
  }
}

// 2 s of a 10 us storm: far more events than the run file holds. The
// timeline keeps a uniform sample (not just the first ones) and says how
// many it saw (the text report's note: ReportHtml.SampledTimelineSaysSo).
TEST(Timeline, StormKeepsASampleOfTheWholeRunAndSaysSo) {
  REQUIRE_SIGSTORM();
  RunOptions o;
  o.timeout = std::chrono::seconds(60);
  auto s = run_sigstorm({"--inject", "URG@every:10us,target=process"}, {target("storm_threads"), "2"}, o);
  ASSERT_TRUE(s.report_ok) << s.describe();
  const json& tl = s.report["timeline"];
  const uint64_t seen = tl["seen"], kept = tl["kept"];
  ASSERT_GT(seen, kept) << "the storm did not outgrow the run file: " << seen;
  EXPECT_EQ(kept, 16384u);
  uint64_t last = 0;
  for (const json& e : tl["events"]) last = std::max(last, e["t_ns"].get<uint64_t>());
  size_t late = 0, n = 0;
  for (const json& e : tl["events"]) {
    if (e["kind"] == "finding") continue;
    ++n;
    late += e["t_ns"].get<uint64_t>() > last / 2;
  }
  // The first 16384 events took a small part of the run: a sample that kept
  // only those would have nothing in its second half.
  EXPECT_GT(late, n / 10) << late << " of " << n << " events in the run's second half";
}

// The page as a browser shows it: rendered by headless Chromium from
// `sigstorm report FILE.json --format html`, its script run, its DOM read.
TEST(HtmlReport, RendersInHeadlessChromiumWithWorkingFilters) {
  REQUIRE_SIGSTORM();
  std::string chromium;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (chromium.empty()) chromium = which(name);
  if (chromium.empty()) GTEST_SKIP() << "no chromium on PATH (scripts/build installs Debian's chromium)";
  TempDir dir;
  auto s = hup_server_run(dir);
  ASSERT_TRUE(s.report_ok) << s.describe();
  const std::string html = dir.file("report.html");
  auto conv = run({cli_path(), "report", save_report(s, dir), "--format", "html", "-o", html});
  ASSERT_EQ(conv.shell_status(), 0) << conv.describe();

  auto render = [&](const std::string& hash) {
    RunOptions o;
    o.timeout = std::chrono::seconds(90);
    o.env_set = {{"HOME", dir.path}};
    return run({chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                "--user-data-dir=" + dir.file("profile"), "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=2000", "--dump-dom", "file://" + html + hash},
               o);
  };
  auto page = render("");
  if (page.out.find("<html") == std::string::npos)
    GTEST_SKIP() << "chromium cannot run here: " << page.describe();
  const std::string& dom = page.out;
  // The script ran to its end: no exception stopped it; nothing on the console.
  EXPECT_NE(dom.find("data-ready=\"yes\""), std::string::npos) << "the page's script did not finish";
  for (const char* bad : {"Uncaught", ":CONSOLE", "SyntaxError", "ReferenceError", "TypeError"})
    EXPECT_EQ(page.err.find(bad), std::string::npos) << bad << " in chromium's log:\n" << page.err;
  EXPECT_NE(dom.find("<svg id=\"timeline\""), std::string::npos);
  for (const char* el : {"class=\"lane\"", "class=\"f inj\"", "class=\"f arr\"", "class=\"f bar", "class=\"f fmark",
                         "href=\"#f1\"", "<details class=\"sysframes\"", "<pre class=\"source\">", "id=\"replay\""})
    EXPECT_NE(dom.find(el), std::string::npos) << el;
  EXPECT_NE(dom.find("greeting = strdup(line);"), std::string::npos) << "the source line around reload's call";
  EXPECT_EQ(dom.find("class=\"f inj hidden\""), std::string::npos) << "nothing hidden before a filter is used";

  // Unchecking a handler hides its bars, arrivals, marks and findings;
  // unchecking injections hides only those.
  auto filtered = render("#hide=handler:reload,ev:injection");
  const std::string& f = filtered.out;
  ASSERT_NE(f.find("data-ready=\"yes\""), std::string::npos) << filtered.describe();
  EXPECT_NE(f.find("class=\"f inj hidden\""), std::string::npos);
  EXPECT_NE(f.find("class=\"f bar hidden\""), std::string::npos);
  EXPECT_NE(f.find("class=\"f arr hidden\""), std::string::npos);
  EXPECT_EQ(f.find("class=\"f bar\""), std::string::npos) << "a bar of reload still shown";
  EXPECT_NE(f.find("<tr class=\"f hidden\" data-fkind=\"unsafe-call\" data-handler=\"reload\""), std::string::npos);
  EXPECT_NE(f.find("type=\"checkbox\" data-filter=\"handler\" value=\"reload\""), std::string::npos)
      << "the box is unchecked";
  EXPECT_NE(dom.find("checked=\"\" data-filter=\"handler\" value=\"reload\""), std::string::npos);
}

TEST(TextReport, ColorAlwaysNeverAutoAndNoColor) {
  REQUIRE_SIGSTORM();
  auto with = [](std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env = {}) {
    std::vector<std::string> argv = {cli_path(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", example("handler_alloc")});
    RunOptions o;
    o.env_set = std::move(env);
    return run(argv, o);
  };
  auto always = with({"--color", "always"});
  EXPECT_EQ(always.shell_status(), 66) << always.describe();
  EXPECT_NE(always.err.find("\033[1;31mERROR\033[0m: sigstorm: unsafe-call"), std::string::npos) << always.err;
  EXPECT_NE(always.err.find("\033[32min the program: report_status "), std::string::npos) << always.err;
  // auto: stderr is a pipe here, so no colour; nor with never.
  for (auto r : {with({}), with({"--color", "never"}), with({"--color", "auto"})}) {
    EXPECT_EQ(r.shell_status(), 66) << r.describe();
    EXPECT_NE(r.err.find("==ERROR: sigstorm: unsafe-call"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\033'), std::string::npos) << r.err;
  }
  auto bad = with({"--color", "sometimes"});
  EXPECT_EQ(bad.shell_status(), 2);
  EXPECT_EQ(bad.err, "sigstorm: error: --color 'sometimes': unknown value (want auto, always or never)\n");

  // auto on a terminal (script(1) gives the CLI one): colour, unless
  // NO_COLOR is set and not empty.
  const std::string script = which("script");
  if (script.empty()) GTEST_SKIP() << "no script(1) for a terminal";
  auto on_tty = [&](const std::string& no_color) {
    RunOptions o;
    if (!no_color.empty()) o.env_set = {{"NO_COLOR", no_color}};
    else o.env_unset = {"NO_COLOR"};
    return run({script, "-qec", cli_path() + " run -- " + example("handler_alloc"), "/dev/null"}, o);
  };
  EXPECT_NE(on_tty("").out.find("\033[1;31mERROR"), std::string::npos) << on_tty("").describe();
  EXPECT_EQ(on_tty("1").out.find("\033[1;31mERROR"), std::string::npos);
}

TEST(TextReport, ReportCommandColorsAndGroupsByHandler) {
  REQUIRE_SIGSTORM();
  auto s = run_sigstorm({}, {example("handler_alloc")});
  ASSERT_TRUE(s.report_ok) << s.describe();
  TempDir dir;
  const std::string json_path = save_report(s, dir);
  auto plain = run({cli_path(), "report", json_path});
  EXPECT_EQ(plain.shell_status(), 0) << plain.describe();
  EXPECT_EQ(plain.out.rfind("sigstorm: findings in handler report_status for SIGUSR1 (", 0), 0u) << plain.out;
  EXPECT_NE(plain.out.find("handler_alloc.c:"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find('\033'), std::string::npos);
  auto colored = run({cli_path(), "report", json_path, "--color", "always"});
  EXPECT_NE(colored.out.find("\033[1;31mERROR"), std::string::npos) << colored.out;
  auto html = run({cli_path(), "report", json_path, "--format", "html", "--color", "always"});
  EXPECT_EQ(html.out.find('\033'), std::string::npos) << "colour is for the text report only";
}
