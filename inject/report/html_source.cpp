// Source lines for the HTML report, read when the report is written (the
// run is over; `sigstorm report` reads them again where it runs).
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "inject/report/html.h"

namespace sigstorm::html {
namespace {

constexpr off_t kMaxSourceBytes = 4 << 20;  // a generated or minified file is no help

}  // namespace

const std::vector<std::string>* SourceCache::lines(const std::string& file) {
  auto [it, fresh] = files_.try_emplace(file);
  if (!fresh) return it->second ? &*it->second : nullptr;
  std::string path = file;
  if (!path.empty() && path[0] != '/' && !base_dir_.empty()) path = base_dir_ + "/" + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxSourceBytes) return nullptr;
  std::ifstream in(path);
  if (!in) return nullptr;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(std::move(line));
  it->second = std::move(out);
  return &*it->second;
}

std::string SourceCache::snippet(const StackFrame& frame, int context) {
  if (!frame.file || !frame.line || *frame.line <= 0) return "";
  const std::vector<std::string>* text = lines(*frame.file);
  const int line = *frame.line;
  if (!text || static_cast<size_t>(line) > text->size()) return "";
  const int first = std::max(1, line - context);
  const int last = std::min(static_cast<int>(text->size()), line + context);
  std::string out = "<pre class=\"source\">";
  for (int n = first; n <= last; ++n) {
    out += n == line ? "<span class=\"here\">" : "<span>";
    std::string num = std::to_string(n);
    out += std::string(num.size() < 5 ? 5 - num.size() : 0, ' ') + num + "  " + esc((*text)[n - 1]) + "</span>\n";
  }
  return out + "</pre>";
}

}  // namespace sigstorm::html
