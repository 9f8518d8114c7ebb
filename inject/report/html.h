// Pieces of the HTML report (report_html.cpp): escaping, the SVG timeline
// (html_timeline.cpp), source lines around a frame (html_source.cpp).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inject/report/report.h"

namespace sigstorm::html {

// Text and attribute values alike: & < > " ' escaped.
std::string esc(std::string_view s);

// "0", "850 ns", "12.3 µs", "1.25 ms", "2.5 s".
std::string duration_text(uint64_t ns);

// How a handler is named in filters and data-handler attributes.
std::string handler_key(const std::optional<std::string>& handler);

// The <svg> timeline: a lane per thread, grouped by process; injections
// and arrivals as marks, handler runs as bars, findings as links to their
// stacks (#fN). Every mark carries class "f" and data-ev / data-fkind /
// data-handler for the page's filters.
std::string timeline_svg(const Report& report);

// Source files read once per page, after the run: a file that is gone or
// too big gives nothing.
class SourceCache {
 public:
  explicit SourceCache(std::string_view base_dir) : base_dir_(base_dir) {}
  // Lines [line - context, line + context] of the frame's file as an
  // escaped <pre> block, the frame's line marked; "" when unreadable.
  std::string snippet(const StackFrame& frame, int context = 3);

 private:
  const std::vector<std::string>* lines(const std::string& file);
  std::string base_dir_;
  std::map<std::string, std::optional<std::vector<std::string>>> files_;
};

}  // namespace sigstorm::html
