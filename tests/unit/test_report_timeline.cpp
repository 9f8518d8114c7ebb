// The report's timeline (model, JSON both ways, keep_findings), the HTML
// page that draws it (SVG marks, filters, folded system frames, source
// lines), and the text report's grouping by handler and its colours.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inject/error.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace {

using nlohmann::json;

StackFrame frame(const char* fn, const char* module, const char* file, int line) {
  StackFrame f;
  if (fn) f.function = fn;
  if (module) f.module = module;
  if (file) f.file = file;
  if (line) f.line = line;
  f.offset = 0x40;
  return f;
}

Finding finding(wire::Kind kind, const char* fn, const char* handler, const char* sig, const char* file = nullptr) {
  Finding f;
  f.kind = kind;
  f.function = fn;
  f.handler = handler;
  f.signal = sig;
  f.pid = 10;
  f.tid = 11;
  f.pids = {10};
  f.message = std::string(fn) + " called from handler " + handler + " for " + sig;
  f.stack.push_back(frame(fn, "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0));
  f.stack.push_back(frame("__libc_helper", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0));
  f.stack.push_back(frame(handler, "/work/prog", file ? file : "/work/prog.c", 7));
  f.handler_frame = frame(handler, "/work/prog", "/work/prog.c", 5);
  f.handler_frame->offset = handler[3] == 'h' ? 0x100 : 0x200;  // on_hup / on_usr1
  return f;
}

TimelineEvent event(EventKind kind, uint64_t t, int tid, const char* handler = nullptr) {
  TimelineEvent e;
  e.kind = kind;
  e.t_ns = t;
  e.pid = 10;
  e.tid = tid;
  e.signal = "SIGHUP";
  if (handler) e.handler = handler;
  return e;
}

// Two handlers, findings interleaved; a timeline with every kind of mark.
Report sample() {
  Report r;
  r.version = SIGSTORM_VERSION;
  r.argv = {"./prog"};
  r.seed = 77;
  r.exit.code = 0;
  r.injections = {{"HUP@every:1ms", 3, {{10, 3}}}};
  r.processes = {{10, 1, "/work/prog", 0}};
  r.findings = {finding(wire::kUnsafeCall, "malloc", "on_hup", "SIGHUP"),
                finding(wire::kUnsafeCall, "printf", "on_usr1", "SIGUSR1"),
                finding(wire::kUnsafeCall, "free", "on_hup", "SIGHUP")};
  TimelineEvent inj = event(EventKind::Injection, 1000, 10);
  inj.spec = "HUP@every:1ms";
  TimelineEvent run = event(EventKind::Handler, 1200, 10, "on_hup");
  run.enter_ns = 1300;
  run.end_ns = 9000;
  run.interrupted = "read";
  TimelineEvent open = event(EventKind::Handler, 20000, 12, "on_usr1");
  open.signal = "SIGUSR1";
  open.enter_ns = 20100;
  TimelineEvent f0 = event(EventKind::Finding, 2000, 10, "on_hup");
  f0.finding = 0;
  TimelineEvent f2 = event(EventKind::Finding, 3000, 10, "on_hup");
  f2.finding = 2;
  TimelineEvent f1 = event(EventKind::Finding, 20500, 12, "on_usr1");
  f1.finding = 1;
  r.timeline.seen = 3;
  r.timeline.kept = 3;
  r.timeline.events = {inj, run, f0, f2, open, f1};
  return r;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportTimeline, JsonRoundTripAndFields) {
  const Report r = sample();
  const std::string text = write_json(r);
  const json j = json::parse(text);
  ASSERT_TRUE(j.contains("timeline"));
  EXPECT_EQ(j["timeline"]["seen"], 3);
  EXPECT_EQ(j["timeline"]["kept"], 3);
  const json& ev = j["timeline"]["events"];
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0]["kind"], "injection");
  EXPECT_EQ(ev[0]["spec"], "HUP@every:1ms");
  EXPECT_EQ(ev[1]["kind"], "handler");
  EXPECT_EQ(ev[1]["interrupted"], "read");
  EXPECT_EQ(ev[1]["end_ns"], 9000);
  EXPECT_TRUE(ev[4]["end_ns"].is_null()) << "a handler never seen returning";
  EXPECT_EQ(ev[3]["finding"], 2);
  EXPECT_EQ(read_json_report(text, "t.json"), r);
}

TEST(ReportTimeline, ReaderNamesWhatIsWrong) {
  auto error = [](auto&& mutate) {
    json j = json::parse(write_json(sample()));
    mutate(j);
    try {
      read_json_report(j.dump(), "t.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error([](json& j) { j["timeline"]["events"][3]["finding"] = 9; }),
            "t.json: timeline.events[3].finding: no finding 9 (there are 3)");
  EXPECT_EQ(error([](json& j) { j["timeline"]["events"][0]["kind"] = "x"; }),
            "t.json: timeline.events[0].kind: unknown event kind \"x\" (want injection, handler or finding)");
  // An older report without a timeline still reads.
  EXPECT_EQ(error([](json& j) { j.erase("timeline"); }), "");
}

TEST(ReportTimeline, KeepFindingsRenumbersTheMarks) {
  Report r = sample();
  keep_findings(r, {true, false, true});
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[1].function, "free");
  std::vector<size_t> links;
  for (const TimelineEvent& e : r.timeline.events)
    if (e.finding) links.push_back(*e.finding);
  EXPECT_EQ(links, (std::vector<size_t>{0, 1})) << "the dropped finding's mark goes, the later one follows";
  EXPECT_EQ(r.timeline.events.size(), 5u);
}

TEST(ReportHtml, TimelineLanesMarksBarsAndLinks) {
  const std::string h = write_html(sample(), "/work");
  EXPECT_EQ(count(h, "<svg id=\"timeline\""), 1u);
  EXPECT_EQ(count(h, "class=\"lane\""), 2u) << "tids 10 and 12 of pid 10";
  EXPECT_EQ(count(h, "class=\"process\""), 1u);
  EXPECT_EQ(count(h, "class=\"f inj\""), 1u);
  EXPECT_EQ(count(h, "class=\"f arr\""), 2u);
  EXPECT_EQ(count(h, "class=\"f bar\""), 1u);
  EXPECT_EQ(count(h, "class=\"f bar open\""), 1u) << "the handler that never returned";
  EXPECT_EQ(count(h, "<a class=\"f fmark error\""), 3u);
  for (const char* link : {"href=\"#f1\"", "href=\"#f2\"", "href=\"#f3\""}) EXPECT_NE(h.find(link), std::string::npos);
  for (const char* id : {"id=\"f1\"", "id=\"f2\"", "id=\"f3\""}) EXPECT_NE(h.find(id), std::string::npos);
  EXPECT_NE(h.find("interrupted read"), std::string::npos) << "the bar names the call it interrupted";
  EXPECT_NE(h.find("never seen returning"), std::string::npos);
  // Filters: the event kinds, the finding kinds present, every handler.
  for (const char* box : {"data-filter=\"ev\" value=\"injection\"", "data-filter=\"ev\" value=\"handler\"",
                          "data-filter=\"fkind\" value=\"unsafe-call\"", "data-filter=\"handler\" value=\"on_hup\"",
                          "data-filter=\"handler\" value=\"on_usr1\""})
    EXPECT_NE(h.find(box), std::string::npos) << box;
  EXPECT_EQ(h.find("data-filter=\"fkind\" value=\"errno-clobber\""), std::string::npos);
  // The seed and the replay line.
  EXPECT_NE(h.find("<code id=\"replay\">sigstorm run --seed 77 --inject HUP@every:1ms -- ./prog</code>"),
            std::string::npos);
}

TEST(ReportHtml, SampledTimelineSaysSo) {
  Report r = sample();
  r.timeline.seen = 500000;
  EXPECT_NE(write_text(r).find("\nsigstorm: note: the timeline keeps a sample of 3 of the 500000 injections and handler "
                               "runs\n"),
            std::string::npos)
      << write_text(r);
  EXPECT_EQ(write_text(sample()).find("keeps a sample"), std::string::npos);
  const std::string h = write_html(r);
  EXPECT_NE(h.find("3 injections and handler runs shown of 500000: a uniform sample"), std::string::npos);
  r.timeline = {};
  EXPECT_NE(write_html(r).find("Nothing on the timeline"), std::string::npos);
}

TEST(ReportHtml, SystemFramesFoldedProgramFramesWithSource) {
  char dir[] = "/tmp/sigstorm-html-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/prog.c";
  {
    std::ofstream out(file);
    for (int i = 1; i <= 12; ++i) out << (i == 7 ? "  p = malloc(n); /* <here> */" : "line " + std::to_string(i)) << "\n";
  }
  Report r = sample();
  r.findings[0].stack[2].file = file;
  const std::string h = write_html(r, dir);
  // Two libc frames folded into one <details>, per finding.
  EXPECT_EQ(count(h, "<details class=\"sysframes\"><summary>2 system frames</summary>"), 3u);
  EXPECT_NE(h.find("<div class=\"frame user\">#2 <code>on_hup</code>"), std::string::npos);
  // Lines 4..10 around line 7, escaped, line 7 marked.
  EXPECT_NE(h.find("<span class=\"here\">    7    p = malloc(n); /* &lt;here&gt; */</span>"), std::string::npos) << h;
  EXPECT_NE(h.find("<span>    4  line 4</span>"), std::string::npos);
  EXPECT_NE(h.find("<span>   10  line 10</span>"), std::string::npos);
  EXPECT_EQ(h.find("line 11"), std::string::npos);
  EXPECT_EQ(count(h, "<pre class=\"source\">"), 1u) << "the other findings' file does not exist";
  std::remove(file.c_str());
  rmdir(dir);
}

TEST(ReportHtml, TimelineTextIsEscaped) {
  Report r = sample();
  r.timeline.events[1].handler = "<img src=x onerror=alert(1)>";
  r.timeline.events[0].spec = "\"><script>alert(2)</script>";
  r.processes[0].exe = "/bin/<b>x</b>";
  const std::string h = write_html(r);
  EXPECT_EQ(h.find("<img"), std::string::npos);
  EXPECT_EQ(h.find("<b>x"), std::string::npos);
  EXPECT_EQ(h.find("alert(2)</script>"), std::string::npos);
  EXPECT_NE(h.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST(ReportText, GroupedByHandlerProgramCallFirst) {
  const std::string t = write_text(sample(), "/work");
  const size_t hup = t.find("sigstorm: findings in handler on_hup for SIGHUP (prog.c:5): 2 errors, 0 warnings\n");
  const size_t usr1 = t.find("sigstorm: findings in handler on_usr1 for SIGUSR1 (prog.c:5): 1 error, 0 warnings\n");
  ASSERT_NE(hup, std::string::npos) << t;
  ASSERT_NE(usr1, std::string::npos) << t;
  const size_t malloc_at = t.find("unsafe-call: malloc"), free_at = t.find("unsafe-call: free"),
               printf_at = t.find("unsafe-call: printf");
  EXPECT_TRUE(hup < malloc_at && malloc_at < free_at && free_at < usr1 && usr1 < printf_at)
      << "on_hup's two findings together, then on_usr1's\n"
      << t;
  EXPECT_NE(t.find("(pid 10, tid 11)\n  in the program: on_hup prog.c:7\n    #0 malloc"), std::string::npos) << t;
  EXPECT_EQ(t.find('\033'), std::string::npos) << "no colour unless asked";
}

TEST(ReportText, ColourWhenAsked) {
  const std::string t = write_text(sample(), "/work", true);
  EXPECT_NE(t.find("==10==\033[1;31mERROR\033[0m: sigstorm: unsafe-call: malloc"), std::string::npos) << t;
  EXPECT_NE(t.find("  \033[32min the program: on_hup prog.c:7\033[0m\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\033[2m    #0 malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)\033[0m\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\033[1mSUMMARY: sigstorm: 3 errors"), std::string::npos) << t;
  // The same text once the colours are taken out.
  std::string plain;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\033') {
      i = t.find('m', i);
      continue;
    }
    plain += t[i];
  }
  EXPECT_EQ(plain, write_text(sample(), "/work"));
}

TEST(ReportFrames, SystemAndProgramFrames) {
  EXPECT_TRUE(is_system_frame(frame("malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6", nullptr, 0)));
  EXPECT_TRUE(is_system_frame(frame("x", "/lib64/ld-linux-x86-64.so.2", nullptr, 0)));
  EXPECT_TRUE(is_system_frame(frame("x", "/opt/sigstorm/lib/libsigstorm.so", nullptr, 0)));
  EXPECT_TRUE(is_system_frame(frame(nullptr, "/opt/sigstorm/lib/libsigstorm-audit.so", nullptr, 0)));
  EXPECT_TRUE(is_system_frame(frame(nullptr, "/memfd:sigstorm-stubs (deleted)", nullptr, 0)));
  EXPECT_FALSE(is_system_frame(frame("f", "/opt/mine/lib/libsigstorm-audit.so.bak", nullptr, 0)));
  EXPECT_TRUE(is_system_frame(frame(nullptr, nullptr, nullptr, 0)));
  EXPECT_FALSE(is_system_frame(frame("main", "/home/me/prog", "prog.c", 3)));
  EXPECT_FALSE(is_system_frame(frame("f", "/usr/local/lib/libmine.so", nullptr, 0)));
  const Finding f = finding(wire::kUnsafeCall, "malloc", "on_hup", "SIGHUP");
  ASSERT_NE(program_call(f), nullptr);
  EXPECT_EQ(program_call(f)->function, "on_hup");
}

}  // namespace
}  // namespace sigstorm
