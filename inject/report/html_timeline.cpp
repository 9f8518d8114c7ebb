// The HTML report's timeline, drawn as SVG (no script needed to see it):
// a lane per thread, grouped under its process, time left to right.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "inject/options/checks.h"
#include "inject/report/html.h"

namespace sigstorm::html {
namespace {

constexpr double kWidth = 1100, kLabel = 190, kRight = 20;
constexpr double kTop = 28, kProcessRow = 20, kLaneHeight = 42;
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1",
                                    "#76b7b2", "#edc948", "#9c755f", "#ff9da7"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct Lanes {
  struct Process {
    int pid;
    std::string exe;
    std::vector<int> tids;  // main thread first
  };
  std::vector<Process> processes;
  std::map<std::pair<int, int>, double> y;  // (pid, tid) -> top of the lane
  double height = kTop;
};

// tid 0 (sent to the whole process) is drawn on the main thread's lane.
int lane_tid(const TimelineEvent& e) { return e.tid ? e.tid : e.pid; }

Lanes lay_out(const Report& r) {
  Lanes l;
  std::map<int, std::set<int>> tids;
  std::vector<int> order;
  for (const TimelineEvent& e : r.timeline.events) {
    if (!tids.count(e.pid)) order.push_back(e.pid);
    tids[e.pid].insert(lane_tid(e));
  }
  // Processes as the report lists them (the program first), then the rest.
  std::vector<int> pids;
  for (const ProcessInfo& p : r.processes)
    if (tids.count(p.pid) && std::find(pids.begin(), pids.end(), p.pid) == pids.end()) pids.push_back(p.pid);
  for (int pid : order)
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  double y = kTop;
  for (int pid : pids) {
    Lanes::Process p{pid, "", {}};
    for (const ProcessInfo& info : r.processes)
      if (info.pid == pid) p.exe = info.exe.substr(info.exe.rfind('/') + 1);
    if (tids[pid].count(pid)) p.tids.push_back(pid);
    for (int tid : tids[pid])
      if (tid != pid) p.tids.push_back(tid);
    y += kProcessRow;
    for (int tid : p.tids) {
      l.y[{pid, tid}] = y;
      y += kLaneHeight;
    }
    l.processes.push_back(std::move(p));
  }
  l.height = y + 8;
  return l;
}

// Round tick steps: 1, 2, 5 times a power of ten.
uint64_t tick_step(uint64_t span) {
  uint64_t step = 1;
  while (span / step > 8) {
    if (span / (step * 2) <= 8) return step * 2;
    if (span / (step * 5) <= 8) return step * 5;
    step *= 10;
  }
  return step;
}

std::string attrs(const char* ev, const std::optional<std::string>& handler, const std::string& fkind = "") {
  std::string s = " data-ev=\"" + std::string(ev) + "\"";
  if (handler || std::string_view(ev) != "injection") s += " data-handler=\"" + esc(handler_key(handler)) + "\"";
  if (!fkind.empty()) s += " data-fkind=\"" + esc(fkind) + "\"";
  return s;
}

}  // namespace

std::string handler_key(const std::optional<std::string>& handler) { return handler.value_or("(unknown)"); }

std::string timeline_svg(const Report& r) {
  const Lanes lanes = lay_out(r);
  // The axis spans the events, not the program's start-up before them.
  uint64_t first = UINT64_MAX, end = 0;
  for (const TimelineEvent& e : r.timeline.events) {
    first = std::min(first, e.t_ns);
    end = std::max({end, e.t_ns, e.end_ns.value_or(0)});
  }
  if (first == UINT64_MAX) first = 0;
  const uint64_t step = tick_step(std::max<uint64_t>(end - first, 1000));
  const uint64_t start = first / step * step;
  end = std::max(end + step / 4, start + 1000);
  const double x0 = kLabel, x1 = kWidth - kRight;
  auto x = [&](uint64_t t) {
    return x0 + (x1 - x0) * static_cast<double>(t - std::min(t, start)) / static_cast<double>(end - start);
  };

  std::map<std::string, size_t> colour;  // handler -> palette entry
  for (const HandlerStat& h : r.handlers) colour.emplace(handler_key(h.handler), colour.size());
  auto colour_of = [&](const std::optional<std::string>& h) {
    auto [it, fresh] = colour.emplace(handler_key(h), colour.size());
    return kPalette[it->second % std::size(kPalette)];
  };

  std::string s = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(kWidth) + " " +
                  num(lanes.height) + "\" width=\"100%\" role=\"img\" aria-label=\"timeline\">\n";
  // The time axis.
  s += "<g class=\"axis\"><text x=\"4\" y=\"" + num(kTop - 10) + "\">since the run started</text>";
  for (uint64_t t = start; t <= end; t += step) {
    s += "<line x1=\"" + num(x(t)) + "\" y1=\"" + num(kTop - 6) + "\" x2=\"" + num(x(t)) + "\" y2=\"" +
         num(lanes.height - 8) + "\"/>";
    // The first tick is the time since the run started, the others count
    // from it: "10.75 ms" then "+50 µs", never five ticks reading "10.8 ms".
    s += "<text x=\"" + num(x(t)) + "\" y=\"" + num(kTop - 10) + "\" text-anchor=\"middle\">" +
         esc(t == start ? duration_text(t) : "+" + duration_text(t - start)) + "</text>";
  }
  s += "</g>\n";
  // Lanes.
  for (const Lanes::Process& p : lanes.processes) {
    const double top = lanes.y.at({p.pid, p.tids.front()}) - kProcessRow;
    s += "<g class=\"process\" data-pid=\"" + std::to_string(p.pid) + "\"><text class=\"plabel\" x=\"4\" y=\"" +
         num(top + 14) + "\">pid " + std::to_string(p.pid) + (p.exe.empty() ? "" : " " + esc(p.exe)) + "</text>";
    for (int tid : p.tids) {
      const double y = lanes.y.at({p.pid, tid});
      s += "<g class=\"lane\" data-pid=\"" + std::to_string(p.pid) + "\" data-tid=\"" + std::to_string(tid) +
           "\"><rect class=\"lanebg\" x=\"" + num(x0) + "\" y=\"" + num(y) + "\" width=\"" + num(x1 - x0) +
           "\" height=\"" + num(kLaneHeight - 4) + "\"/><text class=\"tlabel\" x=\"14\" y=\"" + num(y + 18) +
           "\">tid " + std::to_string(tid) + (tid == p.pid ? " (main)" : "") + "</text></g>";
    }
    s += "</g>\n";
  }
  // Bars under marks: handler runs first, then injections, arrivals, findings.
  for (const TimelineEvent& e : r.timeline.events) {
    if (e.kind != EventKind::Handler) continue;
    const double y = lanes.y.at({e.pid, lane_tid(e)});
    const uint64_t from = e.enter_ns.value_or(e.t_ns);
    const bool open = !e.end_ns;
    const double bx = x(from), bw = std::max(1.5, x(e.end_ns.value_or(end)) - bx);
    const double inset = std::min(e.depth, 3) * 3.0;
    std::string title = handler_key(e.handler) + " for " + e.signal + ": arrived at " + duration_text(e.t_ns);
    title += open ? ", never seen returning" : ", ran " + duration_text(*e.end_ns - from);
    title += e.interrupted ? ", interrupted " + *e.interrupted : e.depth ? ", interrupted another handler" : "";
    s += "<g class=\"f bar" + std::string(open ? " open" : "") + "\"" + attrs("handler", e.handler) + "><rect x=\"" +
         num(bx) + "\" y=\"" + num(y + 7 + inset) + "\" width=\"" + num(bw) + "\" height=\"" + num(14 - inset) +
         "\" fill=\"" + colour_of(e.handler) + "\"/><title>" + esc(title) + "</title>";
    // Named on the bar itself when there is room for the name.
    const std::string label = handler_key(e.handler) + (e.interrupted ? " ← " + *e.interrupted : "");
    if (bw > 6.0 * static_cast<double>(label.size()))
      s += "<text class=\"blabel\" x=\"" + num(bx + 1) + "\" y=\"" + num(y + 33) + "\">" + esc(label) + "</text>";
    s += "</g>\n";
  }
  for (const TimelineEvent& e : r.timeline.events) {
    const double y = lanes.y.at({e.pid, lane_tid(e)});
    const double ex = x(e.t_ns);
    if (e.kind == EventKind::Injection) {
      const std::string title = e.signal + " sent" + (e.tid ? " to tid " + std::to_string(e.tid) : " to the process") +
                                " at " + duration_text(e.t_ns) + (e.spec ? " by --inject " + *e.spec : "");
      s += "<path class=\"f inj\"" + attrs("injection", std::nullopt) + " d=\"M" + num(ex - 4) + " " + num(y) + "h8l-4 6z\"><title>" +
           esc(title) + "</title></path>\n";
    } else if (e.kind == EventKind::Handler) {
      s += "<circle class=\"f arr\"" + attrs("arrival", e.handler) + " cx=\"" + num(ex) + "\" cy=\"" + num(y + 14) +
           "\" r=\"2.2\"><title>" + esc(e.signal + " arrived at " + duration_text(e.t_ns)) + "</title></circle>\n";
    }
  }
  for (const TimelineEvent& e : r.timeline.events) {
    if (e.kind != EventKind::Finding || !e.finding || *e.finding >= r.findings.size()) continue;
    const Finding& f = r.findings[*e.finding];
    const double y = lanes.y.at({e.pid, lane_tid(e)}) + 14, ex = x(e.t_ns);
    const std::string id = "f" + std::to_string(*e.finding + 1);
    s += "<a class=\"f fmark " + std::string(severity_name(f.kind)) + "\"" +
         attrs("finding", e.handler, std::string(kind_name(f.kind))) + " href=\"#" + id + "\"><path d=\"M" + num(ex) +
         " " + num(y - 7) + "l6 7-6 7-6-7z\"/><title>" + esc("#" + std::to_string(*e.finding + 1) + " " +
         std::string(kind_name(f.kind)) + ": " + f.message + " (at " + duration_text(e.t_ns) + ")") +
         "</title></a>\n";
  }
  return s + "</svg>\n";
}

}  // namespace sigstorm::html
