// Suppressions: the file syntax and its errors (FILE:LINE), what a pattern
// matches (the function called, the handler, each frame's function, file
// and module), generated lines that match what they were made from, and
// suppressed findings in the counts, JSON (read back), SARIF and text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "inject/error.h"
#include "inject/report/crash_signature.h"
#include "inject/report/report.h"
#include "inject/report/suppress.h"

namespace sigstorm {
namespace {

using nlohmann::json;

StackFrame frame(const char* fn, const char* module, const char* file, int line) {
  StackFrame f;
  if (fn) f.function = fn;
  if (module) f.module = module;
  if (file) f.file = file;
  if (line) f.line = line;
  f.offset = 0x1000 + static_cast<uint64_t>(line);
  return f;
}

// printf called by report_status, called by the handler on_usr1, which
// interrupted main.
Finding printf_finding() {
  Finding f;
  f.kind = wire::kUnsafeCall;
  f.function = "printf";
  f.signal = "SIGUSR1";
  f.handler = "on_usr1";
  f.pid = f.tid = 7;
  f.pids = {7};
  f.message = "printf called from handler on_usr1 for SIGUSR1";
  f.stack = {frame("printf", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0),
             frame("report_status", "/work/prog", "/work/src/status.c", 12),
             frame("on_usr1", "/work/prog", "/work/src/prog.c", 4)};
  StackFrame sig = frame("__restore_rt", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0);
  sig.signal_frame = true;
  f.stack.push_back(sig);
  f.stack.push_back(frame("main", "/work/prog", "/work/src/prog.c", 30));
  return f;
}

// malloc from a handler that lives in a third-party library.
Finding library_finding() {
  Finding f;
  f.kind = wire::kUnsafeCall;
  f.function = "malloc";
  f.signal = "SIGUSR2";
  f.handler = "lib_handler";
  f.pid = f.tid = 7;
  f.pids = {7};
  f.message = "malloc called from handler lib_handler for SIGUSR2";
  f.stack = {frame("malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0),
             frame("lib_handler", "/opt/vendor/libthirdparty.so.1", "/build/vendor/handler.c", 8)};
  return f;
}

Finding errno_finding() {
  Finding f;
  f.kind = wire::kErrnoClobber;
  f.function = "on_hup";
  f.signal = "SIGHUP";
  f.handler = "on_hup";
  f.pid = f.tid = 7;
  f.pids = {7};
  f.message = "handler on_hup for SIGHUP changed errno from 0 to 9 (EBADF)";
  f.stack = {frame("on_hup", "/work/prog", "/work/src/vendor/hup.c", 21)};
  return f;
}

bool suppressed_by(const std::string& text, const Finding& f) {
  return Suppressions::parse(text, "s.supp").match(f) != nullptr;
}

TEST(Suppress, ParsesLinesCommentsAndKinds) {
  const Suppressions s = Suppressions::parse(
      "# triaged\n\nunsafe-call:report_status   # a handler we accept for now\n  *:*libthirdparty.so*\r\n"
      "errno-clobber : src/vendor/*\n",
      "s.supp");
  ASSERT_EQ(s.rules().size(), 3u);
  EXPECT_EQ(s.rules()[0].where, (Suppressed{"s.supp", 3, "unsafe-call", "report_status"}));
  EXPECT_EQ(s.rules()[0].kind, wire::kUnsafeCall);
  EXPECT_EQ(s.rules()[1].where, (Suppressed{"s.supp", 4, "*", "*libthirdparty.so*"}));
  EXPECT_FALSE(s.rules()[1].kind.has_value());
  EXPECT_EQ(s.rules()[2].where, (Suppressed{"s.supp", 5, "errno-clobber", "src/vendor/*"}));
}

TEST(Suppress, MalformedLinesNameFileAndLine) {
  auto error = [](const std::string& text) {
    try {
      Suppressions::parse(text, "my.supp");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("# ok\nreport_status\n"),
            "my.supp:2: 'report_status': want KIND:PATTERN (e.g. unsafe-call:report_status)");
  EXPECT_NE(error("unsafe-cal:printf").find("my.supp:1: unknown kind 'unsafe-cal' (want * or one of unsafe-call,"),
            std::string::npos);
  EXPECT_EQ(error("\n\nunsafe-call:   # nothing\n"), "my.supp:3: empty pattern after 'unsafe-call:'");
  try {
    Suppressions::load({"/nonexistent/dir/x.supp"});
    FAIL() << "a missing file must be an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--suppressions /nonexistent/dir/x.supp: cannot read it (No such file or directory)");
  }
}

TEST(Suppress, PatternsMatchFunctionHandlerFramesFilesAndModules) {
  const Finding p = printf_finding();
  EXPECT_TRUE(suppressed_by("unsafe-call:printf", p));         // the function called
  EXPECT_TRUE(suppressed_by("unsafe-call:on_usr1", p));        // the handler
  EXPECT_TRUE(suppressed_by("unsafe-call:report_status", p));  // a frame's function
  EXPECT_TRUE(suppressed_by("unsafe-call:report_*", p));
  EXPECT_TRUE(suppressed_by("*:src/status.c", p));             // a file, from a path component on
  EXPECT_TRUE(suppressed_by("*:/work/src/*.c", p));            // ... or whole
  EXPECT_TRUE(suppressed_by("unsafe-call:libc.so.6", p));      // a module
  EXPECT_FALSE(suppressed_by("errno-clobber:printf", p));      // another kind
  EXPECT_FALSE(suppressed_by("unsafe-call:print", p));         // globs match whole names
  EXPECT_FALSE(suppressed_by("unsafe-call:rc/status.c", p));   // ... and whole path components
  EXPECT_TRUE(suppressed_by("unsafe-call:*libthirdparty.so*", library_finding()));
  EXPECT_TRUE(suppressed_by("errno-clobber:src/vendor/*", errno_finding()));
  EXPECT_FALSE(suppressed_by("errno-clobber:src/vendor/*", p));
}

TEST(Suppress, GeneratedLinesAreSpecificAndRoundTrip) {
  EXPECT_EQ(suppression_for(printf_finding()), "unsafe-call:report_status");
  EXPECT_EQ(suppression_for(library_finding()), "unsafe-call:*libthirdparty.so.1*");
  EXPECT_EQ(suppression_for(errno_finding()), "errno-clobber:on_hup");
  Finding cxx = printf_finding();
  cxx.stack[1].function = "Logger::operator[](int)";
  EXPECT_EQ(suppression_for(cxx), "unsafe-call:Logger::operator\\[\\](int)");
  Finding bare;  // a hang without a stack
  bare.kind = wire::kHandlerHang;
  bare.handler = "on_term";
  EXPECT_EQ(suppression_for(bare), "handler-hang:on_term");
  for (const Finding& f : {printf_finding(), library_finding(), errno_finding(), cxx, bare})
    EXPECT_TRUE(suppressed_by(suppression_for(f), f)) << suppression_for(f);
  // Specific: the line made for the printf finding leaves the others alone.
  EXPECT_FALSE(suppressed_by(suppression_for(printf_finding()), library_finding()));
  EXPECT_FALSE(suppressed_by(suppression_for(printf_finding()), errno_finding()));
}

Report three_findings() {
  Report r;
  r.version = "1";
  r.argv = {"./prog"};
  r.seed = 5;
  r.exit.code = 0;
  r.findings = {printf_finding(), library_finding(), errno_finding()};
  return r;
}

TEST(Suppress, ApplyMarksCountsAndKeepsFindings) {
  Report r = three_findings();
  apply_suppressions(r, Suppressions::parse("unsafe-call:*libthirdparty.so*\nunsafe-call:never_called\n", "a.supp"));
  ASSERT_EQ(r.findings.size(), 3u);  // carried, not dropped
  EXPECT_FALSE(r.findings[0].suppressed);
  ASSERT_TRUE(r.findings[1].suppressed);
  EXPECT_EQ(*r.findings[1].suppressed, (Suppressed{"a.supp", 1, "unsafe-call", "*libthirdparty.so*"}));
  EXPECT_EQ(error_count(r), 2u);
  EXPECT_EQ(warning_count(r), 0u);
  EXPECT_EQ(suppressed_count(r), 1u);
  ASSERT_EQ(r.suppressions.size(), 2u);
  EXPECT_EQ(r.suppressions[0].matched, 1u);
  EXPECT_EQ(r.suppressions[1].matched, 0u);
}

TEST(Suppress, JsonCarriesThemAndReadsThemBack) {
  Report r = three_findings();
  apply_suppressions(r, Suppressions::parse("unsafe-call:report_status\nerrno-clobber:nothing\n", "b.supp"));
  const std::string text = write_json(r);
  const json j = json::parse(text);
  EXPECT_EQ(j["findings"][0]["suppressed"],
            (json{{"file", "b.supp"}, {"line", 1}, {"kind", "unsafe-call"}, {"pattern", "report_status"}}));
  EXPECT_FALSE(j["findings"][1].contains("suppressed"));
  EXPECT_EQ(j["errors"], 2);
  EXPECT_EQ(j["suppressed"], 1);
  EXPECT_EQ(j["suppressions"][1]["matched"], 0);
  EXPECT_EQ(read_json_report(text, "r.json"), r);
}

TEST(Suppress, SarifMarksSuppressedResults) {
  Report r = three_findings();
  apply_suppressions(r, Suppressions::parse("unsafe-call:report_status\n", "c.supp"));
  const json s = json::parse(write_sarif(r, "/work"));
  const json& results = s["runs"][0]["results"];
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].contains("suppressions"));
  EXPECT_EQ(results[0]["suppressions"][0]["kind"], "external");
  EXPECT_EQ(results[0]["suppressions"][0]["status"], "accepted");
  EXPECT_NE(results[0]["suppressions"][0]["justification"].get<std::string>().find("c.supp:1 unsafe-call:report_status"),
            std::string::npos);
  EXPECT_FALSE(results[1].contains("suppressions"));
}

TEST(Suppress, TextCountsThemNamesUnusedLinesAndListsMatchesAtVerbosity1) {
  Report r = three_findings();
  apply_suppressions(r, Suppressions::parse("unsafe-call:report_status\n# x\nunsafe-call:unused_one\n", "d.supp"));
  std::string t = write_text(r);
  EXPECT_EQ(t.find("printf called from handler on_usr1"), std::string::npos);  // only counted
  EXPECT_NE(t.find("malloc called from handler lib_handler"), std::string::npos);
  EXPECT_NE(t.find("sigstorm: suppression d.supp:3 'unsafe-call:unused_one' matched no finding\n"), std::string::npos);
  EXPECT_NE(t.find("SUMMARY: sigstorm: 2 errors, 0 warnings (unsafe-call 1, errno-clobber 1) in 1 process, 1 "
                   "suppressed; seed 5\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("suppressed by"), std::string::npos);
  r.verbosity = 1;
  t = write_text(r);
  EXPECT_NE(t.find("sigstorm: suppressed by d.supp:1 'unsafe-call:report_status': unsafe-call: printf called from "
                   "handler on_usr1 for SIGUSR1 (1 time)\n"),
            std::string::npos)
      << t;

  Report all = three_findings();
  apply_suppressions(all, Suppressions::parse("*:*\n", "e.supp"));
  EXPECT_NE(write_text(all).find("SUMMARY: sigstorm: no findings, 3 suppressed; seed 5\n"), std::string::npos);
}

TEST(Suppress, GenSuppressionsPrintsAPasteableLineAfterEachFinding) {
  Report r = three_findings();
  r.gen_suppressions = true;
  const std::string t = write_text(r);
  std::string lines;
  size_t at = 0;
  for (size_t hit; (hit = t.find("  # sigstorm --gen-suppressions: ", at)) != std::string::npos; at = hit + 1) {
    const size_t start = t.rfind('\n', hit) + 1;
    lines += t.substr(start, t.find('\n', hit) + 1 - start);
  }
  Report again = three_findings();
  const Suppressions generated = Suppressions::parse(lines, "gen.supp");
  ASSERT_EQ(generated.rules().size(), 3u) << lines;
  apply_suppressions(again, generated);
  EXPECT_EQ(suppressed_count(again), 3u);
  EXPECT_EQ(json::parse(write_json(r))["findings"][0]["gen_suppression"], "unsafe-call:report_status");
}

TEST(CrashSignature, BlockIsTheHandlersSideAndSummaryNamesKindFunctionHandler) {
  const Finding f = printf_finding();
  EXPECT_EQ(crash_summary(f), "unsafe-call printf in on_usr1");
  EXPECT_EQ(crash_summary(errno_finding()), "errno-clobber in on_hup");
  const std::string b = crash_block(f, "/work");
  EXPECT_EQ(b,
            "==7==ERROR: sigstorm: unsafe-call: printf called from handler on_usr1 for SIGUSR1\n"
            "    #0 0x1000 in printf (/usr/lib/x86_64-linux-gnu/libc.so.6+0x1000)\n"
            "    #1 0x100c in report_status src/status.c:12\n"
            "    #2 0x1004 in on_usr1 src/prog.c:4\n"
            "\n"
            "SUMMARY: sigstorm: unsafe-call printf in on_usr1\n");
  // What the signal interrupted is not part of it: another landing place,
  // the same block.
  Finding elsewhere = f;
  elsewhere.stack.back() = frame("worker_loop", "/work/prog", "/work/src/worker.c", 77);
  EXPECT_EQ(crash_block(elsewhere, "/work"), b);
}

}  // namespace
}  // namespace sigstorm
