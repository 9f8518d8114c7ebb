// One self-contained HTML page: summary with the seed and the replay line,
// the SVG timeline (html_timeline.cpp), filters, findings with their
// stacks: the program's frames with their source lines, the system's
// folded. No external resource; a few lines of inline script only filter.
// Every piece of text is escaped.
#include <algorithm>
#include <cstdio>
#include <set>

#include "inject/options/checks.h"
#include "inject/report/html.h"
#include "inject/report/report.h"

namespace sigstorm {
namespace html {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string duration_text(uint64_t ns) {
  if (ns == 0) return "0";
  struct Unit {
    uint64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1000000000ull, "s"}, {1000000ull, "ms"}, {1000ull, "µs"}, {1, "ns"}};
  for (const Unit& u : kUnits) {
    if (ns < u.size) continue;
    char buf[32];
    const double v = static_cast<double>(ns) / static_cast<double>(u.size);
    std::snprintf(buf, sizeof buf, v >= 100 || u.size == 1 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u.name);
    return buf;
  }
  return "0";
}

}  // namespace html

namespace {

using html::esc;

constexpr const char* kStyle = R"(body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.error{color:#b00020;font-weight:bold}.warning{color:#a15c00;font-weight:bold}
code,.src,.mod,pre{font-family:ui-monospace,monospace}.mod{color:#666}.sig{color:#666;font-style:italic}
details{margin:.8em 0}.hidden{display:none}
.frame{margin:.15em 0}.user{font-weight:bold}.sysframes{margin:.2em 0 .2em 1.2em;color:#555}
pre.source{background:#f6f8fa;border-left:3px solid #ccc;margin:.2em 0 .5em 1.5em;padding:.3em .6em;font-size:90%}
pre.source .here{background:#fff3b0;display:inline-block;min-width:100%}
#filters{display:flex;flex-wrap:wrap;gap:1.5em;margin:.5em 0}#filters fieldset{border:1px solid #ddd}
.tlwrap{overflow-x:auto;border:1px solid #ddd}
#timeline text{font-size:11px;fill:#333}#timeline .axis line{stroke:#eee}#timeline .axis text{fill:#777}
#timeline .lanebg{fill:#fafafa;stroke:#eee}#timeline .plabel{font-weight:bold}
#timeline .bar rect{opacity:.85}#timeline .open rect{stroke:#333;stroke-dasharray:3 2}
#timeline .blabel{fill:#333;font-size:10px}#timeline .inj{fill:#444}#timeline .arr{fill:#111}
#timeline .fmark path{fill:#d62728;stroke:#fff}#timeline .fmark.warning path{fill:#e69500}
.legend span{margin-right:1.2em}.legend svg{vertical-align:middle}
)";

// Unchecking a box hides every element (marks, rows, stacks) it names;
// the page's address may uncheck some: #hide=handler:NAME,ev:injection.
constexpr const char* kScript = R"(<script>
(function () {
  var boxes = document.querySelectorAll('#filters input[type=checkbox]');
  function apply() {
    var off = {ev: {}, fkind: {}, handler: {}};
    boxes.forEach(function (b) {
      if (!b.checked) off[b.dataset.filter][b.value] = true;
      b.toggleAttribute('checked', b.checked);  // a saved page keeps the filters
    });
    document.querySelectorAll('.f').forEach(function (el) {
      var d = el.dataset;
      var hide = (d.ev !== undefined && off.ev[d.ev]) || (d.fkind !== undefined && off.fkind[d.fkind]) ||
                 (d.handler !== undefined && off.handler[d.handler]);
      el.classList.toggle('hidden', !!hide);
    });
  }
  var m = /^#hide=(.*)$/.exec(location.hash);
  if (m) decodeURIComponent(m[1]).split(',').forEach(function (item) {
    var i = item.indexOf(':');
    boxes.forEach(function (b) {
      if (b.dataset.filter === item.slice(0, i) && b.value === item.slice(i + 1)) b.checked = false;
    });
  });
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  var zoom = document.getElementById('zoom');
  zoom.addEventListener('input', function () {
    document.getElementById('timeline').setAttribute('width', (100 * zoom.value) + '%');
  });
  apply();
  document.body.dataset.ready = 'yes';
})();
</script>
)";

std::string frame_html(size_t n, const StackFrame& f, std::string_view base_dir, bool user) {
  std::string s = "<div class=\"frame" + std::string(user ? " user" : "") + "\">#" + std::to_string(n) + " <code>";
  // An interpreter's frame (a Python traceback) has a file but no module.
  if (!f.module && !f.file) return s + esc(hex_text(f.offset)) + "</code> <span class=\"mod\">(unknown module)</span></div>";
  s += esc(f.function.value_or("??")) + "</code>";
  if (f.file) {
    s += " <span class=\"src\">" + esc(short_path(*f.file, base_dir));
    if (f.line) s += ":" + std::to_string(*f.line);
    s += "</span>";
  }
  if (!f.module) return s + "</div>";
  s += " <span class=\"mod\">(" + esc(*f.module);
  if (!f.function) s += "+" + esc(hex_text(f.offset));
  return s + ")</span></div>";
}

// The program's frames in full, with their source; each run of system
// frames folded into one <details>.
std::string stack_html(const Finding& f, std::string_view base_dir, html::SourceCache& sources) {
  std::string s, folded;
  size_t n = 0, nfolded = 0;
  auto flush = [&] {
    if (!nfolded) return;
    s += "<details class=\"sysframes\"><summary>" + std::to_string(nfolded) +
         (nfolded == 1 ? " system frame" : " system frames") + "</summary>" + folded + "</details>\n";
    folded.clear();
    nfolded = 0;
  };
  for (const StackFrame& fr : f.stack) {
    if (fr.signal_frame) {
      flush();
      s += "<div class=\"frame sig\">#" + std::to_string(n++) + " &lt;signal handler called&gt;</div>\n";
      if ((!fr.module && !fr.file) || !fr.function || fr.function->find("restore_rt") != std::string::npos) continue;
    }
    if (is_system_frame(fr)) {
      folded += frame_html(n++, fr, base_dir, false) + "\n";
      ++nfolded;
      continue;
    }
    flush();
    s += frame_html(n++, fr, base_dir, true) + "\n" + sources.snippet(fr) + "\n";
  }
  flush();
  if (f.stack.empty()) s += "<p>(no stack)</p>\n";
  return s;
}

std::string checkbox(const char* filter, const std::string& value, const std::string& label) {
  return "<label><input type=\"checkbox\" checked data-filter=\"" + std::string(filter) + "\" value=\"" + esc(value) +
         "\"> " + label + "</label> ";
}

std::string filters_html(const Report& r) {
  std::string s = "<div id=\"filters\">\n<fieldset><legend>Show</legend>";
  s += checkbox("ev", "injection", "injections") + checkbox("ev", "arrival", "arrivals") +
       checkbox("ev", "handler", "handler runs") + checkbox("ev", "finding", "findings");
  s += "</fieldset>\n";
  std::set<std::string> kinds_seen;
  std::string kinds;
  for (wire::Kind k : all_kinds())
    for (const Finding& f : r.findings)
      if (f.kind == k && kinds_seen.insert(std::string(kind_name(k))).second)
        kinds += checkbox("fkind", std::string(kind_name(k)), "<span class=\"" + std::string(severity_name(k)) +
                                                                  "\">" + esc(kind_name(k)) + "</span>");
  if (!kinds.empty()) s += "<fieldset><legend>Finding kinds</legend>" + kinds + "</fieldset>\n";
  std::vector<std::string> handlers;
  auto add = [&](const std::optional<std::string>& h) {
    const std::string k = html::handler_key(h);
    if (std::find(handlers.begin(), handlers.end(), k) == handlers.end()) handlers.push_back(k);
  };
  for (const HandlerStat& h : r.handlers) add(h.handler);
  for (const Finding& f : r.findings) add(f.handler);
  for (const TimelineEvent& e : r.timeline.events)
    if (e.kind != EventKind::Injection) add(e.handler);
  if (!handlers.empty()) {
    s += "<fieldset><legend>Handlers</legend>";
    for (const std::string& h : handlers) s += checkbox("handler", h, "<code>" + esc(h) + "</code>");
    s += "</fieldset>\n";
  }
  s += "<label>zoom <input id=\"zoom\" type=\"range\" min=\"1\" max=\"40\" step=\"1\" value=\"1\"></label>\n";
  return s + "</div>\n";
}

std::string legend_html() {
  return "<p class=\"legend\">"
         "<span><svg width=\"12\" height=\"8\"><path d=\"M2 0h8l-4 6z\" fill=\"#444\"/></svg> signal sent</span>"
         "<span><svg width=\"8\" height=\"8\"><circle cx=\"4\" cy=\"4\" r=\"2.2\" fill=\"#111\"/></svg> arrived at the "
         "trampoline</span>"
         "<span><svg width=\"22\" height=\"10\"><rect width=\"22\" height=\"10\" fill=\"#4e79a7\"/></svg> handler ran "
         "(← the call it interrupted; dashed: never seen returning)</span>"
         "<span><svg width=\"12\" height=\"12\"><path d=\"M6 0l6 6-6 6-6-6z\" fill=\"#d62728\"/></svg> finding (links "
         "to its stack)</span></p>\n";
}

}  // namespace

std::string write_html(const Report& r, std::string_view base_dir) {
  std::string cmd;
  for (const auto& a : r.argv) cmd += (cmd.empty() ? "" : " ") + a;
  const size_t errors = error_count(r), warnings = warning_count(r);

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>sigstorm report: " + esc(cmd) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>sigstorm report</h1>\n<table>\n";
  h += "<tr><th>command</th><td><code>" + esc(cmd) + "</code></td></tr>\n";
  h += "<tr><th>sigstorm</th><td>" + esc(r.version) + "</td></tr>\n";
  h += "<tr><th>seed</th><td>" + std::to_string(r.seed) + "</td></tr>\n";
  if (!r.argv.empty()) h += "<tr><th>replay</th><td><code id=\"replay\">" + esc(replay_command(r)) + "</code></td></tr>\n";
  std::string exit = r.exit.code ? "exit status " + std::to_string(*r.exit.code)
                     : r.exit.signal ? "killed by " + *r.exit.signal : "unknown";
  h += "<tr><th>program</th><td>" + esc(exit) + "</td></tr>\n";
  h += "<tr><th>findings</th><td>" + std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
       std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings") + "</td></tr>\n";
  h += "</table>\n";

  h += "<h2>Timeline</h2>\n" + filters_html(r);
  if (r.timeline.events.empty()) {
    h += "<p>Nothing on the timeline: no signal was sent or handled.</p>\n";
  } else {
    h += "<p>" + std::to_string(r.timeline.kept) + " injections and handler runs";
    if (r.timeline.sampled())
      h += " shown of " + std::to_string(r.timeline.seen) + ": a uniform sample (the run file keeps " +
           std::to_string(wire::kMaxEvents) + " events); findings are all shown";
    h += ".</p>\n<div class=\"tlwrap\">\n" + html::timeline_svg(r) + "</div>\n" + legend_html();
  }

  if (!r.injections.empty()) {
    h += "<h2>Injections</h2>\n<table>\n<tr><th>spec</th><th>fired</th></tr>\n";
    for (const auto& inj : r.injections)
      h += "<tr><td><code>" + esc(inj.spec) + "</code></td><td>" +
           (inj.fired ? std::to_string(inj.fired) : std::string("never fired")) + "</td></tr>\n";
    h += "</table>\n";
  }
  if (!r.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) h += "<li>" + esc(n) + "</li>\n";
    h += "</ul>\n";
  }

  h += "<h2>Findings</h2>\n";
  if (r.findings.empty()) {
    h += "<p>No findings.</p>\n";
  } else {
    auto filter_attrs = [](const Finding& f) {
      return " class=\"f\" data-fkind=\"" + esc(kind_name(f.kind)) + "\" data-handler=\"" +
             esc(html::handler_key(f.handler)) + "\"";
    };
    h += "<table id=\"findings\">\n<tr><th>#</th><th>kind</th><th>severity</th><th>message</th><th>function</th>"
         "<th>signal</th><th>handler</th><th>pid</th><th>count</th></tr>\n";
    for (size_t i = 0; i < r.findings.size(); ++i) {
      const Finding& f = r.findings[i];
      const std::string sev(severity_name(f.kind));
      h += "<tr" + filter_attrs(f) + "><td><a href=\"#f" + std::to_string(i + 1) + "\">" + std::to_string(i + 1) +
           "</a></td>";
      h += "<td>" + esc(kind_name(f.kind)) + "</td><td class=\"" + sev + "\">" + sev + "</td>";
      h += "<td>" + esc(f.message) + "</td><td><code>" + esc(f.function.value_or("")) + "</code></td>";
      h += "<td>" + esc(f.signal) + "</td><td><code>" + esc(f.handler.value_or("")) + "</code></td>";
      h += "<td>" + std::to_string(f.pid) + "</td><td>" + std::to_string(f.count) + "</td></tr>\n";
    }
    h += "</table>\n";
    html::SourceCache sources{base_dir};
    for (size_t i = 0; i < r.findings.size(); ++i) {
      const Finding& f = r.findings[i];
      h += "<details id=\"f" + std::to_string(i + 1) + "\"" + filter_attrs(f) + " open>\n<summary><span class=\"" +
           std::string(severity_name(f.kind)) + "\">" + esc(kind_name(f.kind)) + "</span>: " + esc(f.message) +
           " (pid " + std::to_string(f.pid) + ", tid " + std::to_string(f.tid) + ")</summary>\n";
      h += stack_html(f, base_dir, sources) + "</details>\n";
    }
  }
  h += kScript;
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace sigstorm
