// The report writers and reader: the contract's JSON field names and types,
// a JSON round trip, SARIF 2.1.0, escaped HTML, the sanitizer-style text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "inject/error.h"
#include "inject/options/checks.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace {

using nlohmann::json;

StackFrame frame(const char* fn, const char* module, const char* file, int line, uint64_t off) {
  StackFrame f;
  if (fn) f.function = fn;
  if (module) f.module = module;
  if (file) f.file = file;
  if (line) f.line = line;
  f.offset = off;
  return f;
}

Report sample() {
  Report r;
  r.version = SIGSTORM_VERSION;
  r.argv = {"./prog", "arg with space"};
  r.seed = 1234;
  r.exit.code = 0;
  r.injections = {{"SIGUSR1@after:50ms", 1, {{4242, 1}}}, {"SIGUSR2@call:read", 0, {}}};
  for (wire::Kind k : all_kinds()) r.checks.emplace_back(kind_name(k));  // all: no --check in the replay line
  r.hang_timeout_ns = 2'000'000'000ull;
  r.time_scale = 0.001;
  r.processes = {{4242, 1, "/work/prog", 0}, {4243, 4242, "/work/prog", 1}};

  Finding a;
  a.kind = wire::kUnsafeCall;
  a.function = "printf";
  a.signal = "SIGUSR1";
  a.handler = "on_usr1";
  a.pid = 4242;
  a.tid = 4242;
  a.count = 3;
  a.pids = {4242, 4243};
  a.message = "printf called from handler on_usr1 for SIGUSR1";
  a.stack.push_back(frame("printf", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0, 0x525b0));
  a.stack.push_back(frame("on_usr1", "/work/prog", "/work/src/prog.c", 4, 0x1189));
  StackFrame sig = frame("__restore_rt", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0, 0x3c050);
  sig.signal_frame = true;
  a.stack.push_back(sig);
  a.stack.push_back(frame("main", "/work/prog", "/work/src/prog.c", 30, 0x11f0));
  a.stack.push_back(frame(nullptr, "/work/prog", nullptr, 0, 0x2000));
  a.stack.push_back(frame(nullptr, nullptr, nullptr, 0, 0x7fff12345678));
  a.handler_frame = frame("on_usr1", "/work/prog", "/work/src/prog.c", 3, 0x1180);

  Finding b;
  b.kind = wire::kErrnoClobber;
  b.function = "on_usr1";
  b.signal = "SIGUSR1";
  b.handler = "on_usr1";
  b.pid = 4242;
  b.tid = 4250;
  b.errno_before = 0;
  b.errno_after = 4;
  b.pids = {4242};
  b.message = "handler on_usr1 for SIGUSR1 changed errno from 0 to 4 (EINTR)";
  b.stack.push_back(frame("on_usr1", "/work/prog", "/work/src/prog.c", 6, 0x1199));

  Finding c;
  c.kind = wire::kReentrancy;
  c.function = "on_usr1";
  c.signal = "SIGUSR1";
  c.handler = "on_usr1";
  c.nested_signal = "SIGUSR1";
  c.pid = 4242;
  c.tid = 4242;
  c.pids = {4242};
  c.message = "handler on_usr1 for SIGUSR1 entered again by SIGUSR1 while already running on this thread";

  Finding d;
  d.kind = wire::kHandlerCrash;
  d.function = std::nullopt;
  d.signal = "SIGUSR2";
  d.fatal_signal = "SIGSEGV";
  d.pid = 4243;
  d.tid = 4243;
  d.pids = {4243};
  d.message = "SIGSEGV in <unknown function> while handler <unknown> for SIGUSR2 ran";
  r.findings = {a, b, c, d};
  r.notes = {"run ended by --timeout after 5s"};
  r.dropped = 2;
  return r;
}

template <typename J>
void expect_string_or_null(const J& j, const char* key) {
  ASSERT_TRUE(j.contains(key)) << key << " in " << j.dump();
  EXPECT_TRUE(j[key].is_string() || j[key].is_null()) << key << " in " << j.dump();
}

TEST(ReportJson, ContractFieldNamesAndTypes) {
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(write_json(sample()));
  ASSERT_TRUE(j.is_object());
  // The contract's fields first, in its order.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  ASSERT_GE(keys.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 6),
            (std::vector<std::string>{"sigstorm", "argv", "seed", "exit", "injections", "findings"}));
  EXPECT_EQ(j["sigstorm"], SIGSTORM_VERSION);
  EXPECT_EQ(json(j["argv"]), json({"./prog", "arg with space"}));
  EXPECT_TRUE(j["seed"].is_number_unsigned());
  EXPECT_EQ(j["seed"], 1234);
  EXPECT_EQ(json(j["exit"]), json::parse(R"({"code": 0, "signal": null})"));
  ASSERT_EQ(j["injections"].size(), 2u);
  EXPECT_EQ(j["injections"][0]["spec"], "SIGUSR1@after:50ms");
  EXPECT_EQ(j["injections"][0]["fired"], 1);
  EXPECT_EQ(j["injections"][1]["fired"], 0);
  EXPECT_EQ(j["injections"][0]["processes"][0]["pid"], 4242);

  ASSERT_EQ(j["findings"].size(), 4u);
  const nlohmann::ordered_json& f = j["findings"][0];
  std::vector<std::string> fkeys;
  for (auto it = f.begin(); it != f.end(); ++it) fkeys.push_back(it.key());
  EXPECT_EQ(std::vector<std::string>(fkeys.begin(), fkeys.begin() + 9),
            (std::vector<std::string>{"kind", "severity", "function", "signal", "handler", "pid", "tid",
                                      "count", "stack"}));
  EXPECT_EQ(f["kind"], "unsafe-call");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["function"], "printf");
  EXPECT_EQ(f["signal"], "SIGUSR1");
  EXPECT_EQ(f["handler"], "on_usr1");
  EXPECT_TRUE(f["pid"].is_number_integer());
  EXPECT_TRUE(f["tid"].is_number_integer());
  EXPECT_EQ(f["count"], 3);
  EXPECT_EQ(json(f["pids"]), json({4242, 4243}));
  ASSERT_EQ(f["stack"].size(), 6u);
  for (const auto& fr : f["stack"]) {
    for (const char* k : {"function", "module", "file"}) expect_string_or_null(fr, k);
    ASSERT_TRUE(fr.contains("line"));
    EXPECT_TRUE(fr["line"].is_number_integer() || fr["line"].is_null());
  }
  // Innermost first; file/line null when unknown.
  EXPECT_EQ(f["stack"][0]["function"], "printf");
  EXPECT_TRUE(f["stack"][0]["file"].is_null());
  EXPECT_TRUE(f["stack"][0]["line"].is_null());
  EXPECT_EQ(f["stack"][1]["file"], "/work/src/prog.c");
  EXPECT_EQ(f["stack"][1]["line"], 4);
  EXPECT_EQ(f["stack"][2]["signal_frame"], true);
  EXPECT_FALSE(f["stack"][1].contains("signal_frame"));
  EXPECT_TRUE(f["stack"][5]["module"].is_null());
  EXPECT_EQ(f["stack"][5]["offset"], "0x7fff12345678");

  EXPECT_EQ(j["findings"][1]["severity"], "error");
  EXPECT_EQ(j["findings"][1]["errno_before"], 0);
  EXPECT_EQ(j["findings"][1]["errno_after"], 4);
  EXPECT_EQ(j["findings"][2]["severity"], "warning");
  EXPECT_EQ(j["findings"][3]["fatal_signal"], "SIGSEGV");
  EXPECT_TRUE(j["findings"][3]["function"].is_null());
  EXPECT_TRUE(j["findings"][3]["handler"].is_null());
  EXPECT_EQ(j["dropped"], 2);
  EXPECT_EQ(j["errors"], 3);
  EXPECT_EQ(j["warnings"], 1);
  EXPECT_EQ(j["hang_timeout"], "2s");
}

TEST(ReportJson, ExitBySignal) {
  Report r = sample();
  r.exit = {std::nullopt, "SIGSEGV", std::nullopt};
  const json j = json::parse(write_json(r));
  EXPECT_EQ(j["exit"], json::parse(R"({"code": null, "signal": "SIGSEGV"})"));
}

TEST(ReportJson, RoundTrip) {
  const Report r = sample();
  const Report back = read_json_report(write_json(r), "r.json");
  EXPECT_EQ(back, r);
  EXPECT_EQ(write_json(back), write_json(r));
  Report empty;
  empty.version = "0.1.0";
  EXPECT_EQ(read_json_report(write_json(empty), "e.json"), empty);
}

TEST(ReportJson, ReadsMinimalContractReport) {
  // Only the contract's fields: the added ones have defaults.
  const char* text = R"({"sigstorm": "0.1.0", "argv": ["./prog"], "seed": 7,
    "exit": {"code": null, "signal": "SIGSEGV"},
    "injections": [{"spec": "SIGUSR1@after:50ms", "fired": 1}],
    "findings": [{"kind": "unsafe-call", "severity": "error", "function": "printf",
      "signal": "SIGUSR1", "handler": "on_usr1", "pid": 1, "tid": 1, "count": 1,
      "stack": [{"function": "printf", "module": "libc.so.6", "file": null, "line": null}]}]})";
  const Report r = read_json_report(text, "min.json");
  EXPECT_EQ(r.seed, 7u);
  EXPECT_EQ(r.exit.signal, "SIGSEGV");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].pids, std::vector<int>{1});
  EXPECT_FALSE(r.findings[0].message.empty());
  EXPECT_NE(write_text(r).find("unsafe-call"), std::string::npos);
}

std::string read_error(const std::string& text) {
  try {
    read_json_report(text, "bad.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ReportJson, MalformedInputNamesWhatIsWrong) {
  const std::string good = write_json(sample());
  EXPECT_NE(read_error("{").find("bad.json: not a JSON report"), std::string::npos) << read_error("{");
  EXPECT_NE(read_error("[]").find("bad.json: top level: expected an object"), std::string::npos);
  EXPECT_NE(read_error("{}").find("missing field \"sigstorm\""), std::string::npos);

  auto mutate = [&](auto&& fn) {
    json j = json::parse(good);
    fn(j);
    return read_error(j.dump());
  };
  EXPECT_NE(mutate([](json& j) { j["findings"][1]["kind"] = "bogus"; }).find("findings[1].kind: unknown kind \"bogus\""),
            std::string::npos);
  EXPECT_NE(mutate([](json& j) { j["seed"] = "12"; }).find("seed: expected a non-negative integer"), std::string::npos);
  EXPECT_NE(mutate([](json& j) { j["findings"][0]["stack"][1]["line"] = "x"; })
                .find("findings[0].stack[1].line: expected an integer"),
            std::string::npos);
  EXPECT_NE(mutate([](json& j) { j["exit"].erase("code"); }).find("exit: missing field \"code\""), std::string::npos);
  EXPECT_NE(mutate([](json& j) { j["findings"][0]["pid"] = 1e12; }).find("findings[0].pid"), std::string::npos);
  EXPECT_NE(mutate([](json& j) { j["findings"][0]["stack"][0]["offset"] = "12"; }).find("offset"), std::string::npos);
  // Every message is one line.
  for (const std::string& m : {read_error("{\n\n"), read_error("{\"a\":\n1,}")}) {
    EXPECT_FALSE(m.empty());
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  EXPECT_EQ(read_error(good), "");
}

TEST(ReportSarif, VersionRulesResultsLevels) {
  const json s = json::parse(write_sarif(sample(), "/work"));
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_TRUE(s["$schema"].get<std::string>().find("sarif") != std::string::npos);
  ASSERT_EQ(s["runs"].size(), 1u);
  const json& run = s["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "sigstorm");
  EXPECT_EQ(driver["version"], SIGSTORM_VERSION);
  EXPECT_TRUE(driver["informationUri"].is_string());
  ASSERT_EQ(driver["rules"].size(), all_kinds().size());
  EXPECT_EQ(driver["rules"][0]["id"], "unsafe-call");
  EXPECT_EQ(driver["rules"][2]["id"], "reentrancy");
  EXPECT_EQ(driver["rules"][2]["defaultConfiguration"]["level"], "warning");
  EXPECT_EQ(driver["rules"][0]["defaultConfiguration"]["level"], "error");
  for (const json& rule : driver["rules"]) EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());

  const json& results = run["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["ruleId"], "unsafe-call");
  EXPECT_EQ(results[0]["level"], "error");
  EXPECT_EQ(results[2]["ruleId"], "reentrancy");
  EXPECT_EQ(results[2]["level"], "warning");
  EXPECT_NE(results[0]["message"]["text"].get<std::string>().find("printf"), std::string::npos);
  EXPECT_EQ(results[0]["occurrenceCount"], 3);
  // The location is the innermost frame with a file: the handler's line,
  // relative to the source root.
  const json& phys = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(phys["artifactLocation"]["uri"], "src/prog.c");
  EXPECT_EQ(phys["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(phys["region"]["startLine"], 4);
  EXPECT_EQ(run["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///work/");
  ASSERT_EQ(results[0]["stacks"][0]["frames"].size(), 6u);
  EXPECT_EQ(results[0]["stacks"][0]["frames"][1]["location"]["logicalLocations"][0]["name"], "on_usr1");
  EXPECT_EQ(results[0]["stacks"][0]["frames"][0]["module"], "/usr/lib/x86_64-linux-gnu/libc.so.6");
  // Absolute file URIs outside the source root; no locations crash.
  const json s2 = json::parse(write_sarif(sample(), "/elsewhere"));
  EXPECT_EQ(s2["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///work/src/prog.c");
  EXPECT_EQ(s2["runs"][0]["results"][3]["locations"].size(), 0u);
}

TEST(ReportHtml, EscapesEverything) {
  Report r = sample();
  r.argv = {"./prog", "<script>alert(1)</script>"};
  r.findings[0].function = "<script>evil()</script>";
  r.findings[0].message = "a <b>&\"'</b> message";
  r.findings[0].stack[1].file = "/x/<img src=x onerror=alert(1)>.c";
  const std::string h = write_html(r);
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  // One script, the page's own filters (it holds no report text).
  const size_t script = h.find("<script");
  ASSERT_NE(script, std::string::npos);
  EXPECT_EQ(h.find("<script", script + 1), std::string::npos) << "unescaped <script> in the page";
  EXPECT_EQ(h.find("alert(1)", script), std::string::npos);
  EXPECT_EQ(h.find("<img"), std::string::npos);
  EXPECT_EQ(h.find("<b>"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("a &lt;b&gt;&amp;&quot;&#39;&lt;/b&gt; message"), std::string::npos);
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find("src=\""), std::string::npos);
  EXPECT_EQ(h.find("href=\"http"), std::string::npos);
  EXPECT_NE(h.find("&lt;signal handler called&gt;"), std::string::npos);
  EXPECT_NE(h.find("</html>"), std::string::npos);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

TEST(ReportText, SanitizerShapeAndSummary) {
  const std::string t = write_text(sample(), "/work");
  const auto l = lines(t);
  ASSERT_GE(l.size(), 12u) << t;
  // Grouped by handler: the group's line, then its findings, the program's
  // own call before each stack.
  EXPECT_EQ(l[0], "sigstorm: findings in handler on_usr1 for SIGUSR1 (src/prog.c:3): 2 errors, 1 warning");
  EXPECT_EQ(l[1],
            "==4242==ERROR: sigstorm: unsafe-call: printf called from handler on_usr1 for SIGUSR1 "
            "(pid 4242, tid 4242)");
  EXPECT_EQ(l[2], "  in the program: on_usr1 src/prog.c:4");
  EXPECT_EQ(l[3], "    #0 printf (/usr/lib/x86_64-linux-gnu/libc.so.6)");
  EXPECT_EQ(l[4], "    #1 on_usr1 src/prog.c:4 (/work/prog)");  // short: relative to /work
  EXPECT_EQ(l[5], "    #2 <signal handler called>");           // the restorer itself is not shown
  EXPECT_EQ(l[6], "    #3 main src/prog.c:30 (/work/prog)");
  EXPECT_EQ(l[7], "    #4 ?? (/work/prog+0x2000)");
  EXPECT_EQ(l[8], "    #5 0x7fff12345678 (unknown module)");
  EXPECT_EQ(l[9], "  seen 3 times in 2 processes (pids 4242, 4243)");
  EXPECT_NE(t.find("\nsigstorm: findings in handler <unknown> for SIGUSR2: 1 error, 0 warnings\n==4243==ERROR: "),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("==4242==WARNING: sigstorm: reentrancy: "), std::string::npos) << t;
  EXPECT_NE(t.find("==4243==ERROR: sigstorm: handler-crash: "), std::string::npos) << t;
  EXPECT_NE(t.find("sigstorm: injection SIGUSR1@after:50ms fired 1 time\n"), std::string::npos) << t;
  EXPECT_NE(t.find("sigstorm: injection SIGUSR2@call:read never fired\n"), std::string::npos) << t;
  EXPECT_NE(t.find("sigstorm: note: run ended by --timeout after 5s\n"), std::string::npos) << t;
  EXPECT_NE(t.find("sigstorm: replay with: sigstorm run --seed 1234 --time-scale 0.001 --inject "
                   "SIGUSR1@after:50ms --inject SIGUSR2@call:read -- ./prog 'arg with space'\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(l.back(),
            "SUMMARY: sigstorm: 3 errors, 1 warning (unsafe-call 1, errno-clobber 1, reentrancy 1, "
            "handler-crash 1) in 2 processes; seed 1234");
}

TEST(ReportText, SignalFrameShowsInterruptedCode) {
  Report r = sample();
  r.findings.resize(1);
  r.findings[0].stack[2].function = "__pthread_kill_implementation";
  r.findings[0].stack[2].file = "./nptl/pthread_kill.c";
  r.findings[0].stack[2].line = 44;
  const auto l = lines(write_text(r, "/work"));
  EXPECT_EQ(l[5], "    #2 <signal handler called>");
  EXPECT_EQ(l[6], "    #3 __pthread_kill_implementation ./nptl/pthread_kill.c:44 (/usr/lib/x86_64-linux-gnu/libc.so.6)");
  EXPECT_EQ(l[7], "    #4 main src/prog.c:30 (/work/prog)");
}

TEST(ReportText, NoFindingsIsOneSummaryLine) {
  Report r;
  r.seed = 99;
  EXPECT_EQ(write_text(r), "SUMMARY: sigstorm: no findings; seed 99\n");
}

// A run without findings still shows what it exercised: each handler that
// ran and each spec's firings, then the summary.
TEST(ReportText, NoFindingsStillShowsWhatRan) {
  Report r;
  r.seed = 99;
  r.injections = {{"SIGUSR1@call:read", 0, {}}, {"SIGUSR2@every:1ms", 5, {{1, 5}}}};
  HandlerStat h;
  h.signal = "SIGUSR2";
  h.handler = "on_usr2";
  h.ran = 7;
  h.at_call = 2;
  h.in_syscall = 3;
  h.interrupted = {"read", "poll"};
  h.pids = {1, 2};
  r.handlers = {h};
  EXPECT_EQ(write_text(r),
            "sigstorm: handler on_usr2 for SIGUSR2 ran 7 times (2 at interposed calls: read, poll; 3 in system calls; 2 in "
            "running code) in 2 processes\n"
            "sigstorm: injection SIGUSR1@call:read never fired\n"
            "sigstorm: injection SIGUSR2@every:1ms fired 5 times\n"
            "SUMMARY: sigstorm: no findings; seed 99; never fired: SIGUSR1@call:read\n");
}

TEST(ReportText, OneErrorSingular) {
  Report r = sample();
  r.findings.resize(1);
  r.findings[0].count = 1;
  r.findings[0].pids = {4242};
  r.injections.clear();
  r.notes.clear();
  const std::string t = write_text(r);
  EXPECT_EQ(t.find("seen"), std::string::npos) << t;
  EXPECT_EQ(t.find("replay"), std::string::npos) << t;
  EXPECT_EQ(lines(t).back(), "SUMMARY: sigstorm: 1 error, 0 warnings (unsafe-call 1) in 1 process; seed 1234");
}

TEST(ReportFormat, NamesAndExtensions) {
  EXPECT_EQ(parse_format("json"), Format::Json);
  EXPECT_EQ(parse_format("sarif"), Format::Sarif);
  EXPECT_EQ(parse_format("html"), Format::Html);
  EXPECT_EQ(parse_format("text"), Format::Text);
  EXPECT_EQ(parse_format("xml"), std::nullopt);
  EXPECT_EQ(format_from_path("out/r.json"), Format::Json);
  EXPECT_EQ(format_from_path("r.SARIF"), Format::Sarif);
  EXPECT_EQ(format_from_path("r.htm"), Format::Html);
  EXPECT_EQ(format_from_path("r.txt"), Format::Text);
  EXPECT_EQ(format_from_path("r.xml"), std::nullopt);
  EXPECT_EQ(format_from_path("dir.json/report"), std::nullopt);
  EXPECT_EQ(format_from_path(".json"), std::nullopt);
  EXPECT_EQ(short_path("/work/src/a.c", "/work"), "src/a.c");
  EXPECT_EQ(short_path("/work/src/a.c", "/work/"), "src/a.c");
  EXPECT_EQ(short_path("/workshop/a.c", "/work"), "/workshop/a.c");
  EXPECT_EQ(short_path("/work/a.c", ""), "/work/a.c");
}

// Code scanning: the primary location is the program's own line that called
// into the library (not the library's source), fingerprints are stable, and
// the invocation is sigstorm's own.
TEST(ReportSarif, ProgramLineFingerprintsAndInvocation) {
  Report r = sample();
  Finding& a = r.findings[0];
  a.stack[0].file = "./malloc/malloc.c";  // the C library's own source
  a.stack[0].line = 3281;
  r.status = 66;
  r.run_ended = true;
  const json s = json::parse(write_sarif(r, "/work"));
  const json& res = s["runs"][0]["results"][0];
  const json& phys = res["locations"][0]["physicalLocation"];
  EXPECT_EQ(phys["artifactLocation"]["uri"], "src/prog.c") << res.dump(1);
  EXPECT_EQ(phys["region"]["startLine"], 4);
  const std::string fp = res["partialFingerprints"]["sigstormFinding/v1"].get<std::string>();
  EXPECT_EQ(fp.size(), 16u);

  // Same finding elsewhere (other pids, counts, lines, checkout): same print.
  Report other = r;
  other.findings[0].pid = 7;
  other.findings[0].count = 99;
  other.findings[0].stack[1].line = 40;
  other.findings[0].stack[1].file = "/home/ci/checkout/src/prog.c";
  const json s2 = json::parse(write_sarif(other, "/home/ci/checkout"));
  EXPECT_EQ(s2["runs"][0]["results"][0]["partialFingerprints"]["sigstormFinding/v1"], fp);
  // Another handler: another print.
  other.findings[0].handler = "on_usr2";
  const json s3 = json::parse(write_sarif(other, "/home/ci/checkout"));
  EXPECT_NE(s3["runs"][0]["results"][0]["partialFingerprints"]["sigstormFinding/v1"], fp);

  const json& inv = s["runs"][0]["invocations"][0];
  EXPECT_EQ(inv["exitCode"], 66);
  EXPECT_EQ(inv["executionSuccessful"], false);
  EXPECT_EQ(inv["properties"]["programExit"]["code"], 0);
  // The JSON report keeps both, and reads them back.
  const Report back = read_json_report(write_json(r), "r.json");
  EXPECT_EQ(back.status, 66);
  EXPECT_TRUE(back.run_ended);
}

}  // namespace
}  // namespace sigstorm
