#include "inject/report/crash_signature.h"

#include "inject/options/checks.h"

namespace sigstorm {
namespace {

// As ASan prints a frame: "in FUNC FILE:LINE", else "in FUNC (MODULE+OFF)";
// the system's libraries always by module, as without their debug
// information (crash triage recognizes and skips libc frames by that).
std::string frame_line(size_t i, const StackFrame& f, std::string_view base_dir) {
  std::string s = "    #" + std::to_string(i) + " " + hex_text(f.offset);
  if (f.function) s += " in " + *f.function;
  if (f.function && f.file && !system_module(f.module)) {
    s += " " + short_path(*f.file, base_dir);
    if (f.line) s += ":" + std::to_string(*f.line);
  } else if (f.module) {
    s += " (" + *f.module + "+" + hex_text(f.offset) + ")";
  } else if (!f.function) {
    s += " (<unknown module>)";
  }
  return s;
}

}  // namespace

std::string crash_summary(const Finding& f) {
  std::string s(kind_name(f.kind));
  if (f.function && f.function != f.handler) s += " " + *f.function;
  s += " in " + f.handler.value_or("<unknown handler>");
  return s;
}

std::string crash_block(const Finding& f, std::string_view base_dir) {
  std::string out = "==" + std::to_string(f.pid) + "==ERROR: sigstorm: " + std::string(kind_name(f.kind)) + ": " +
                    f.message + "\n";
  // The handler's side only: below the signal frame is whatever the signal
  // interrupted, which differs from schedule to schedule.
  size_t n = 0;
  for (const StackFrame& fr : f.stack) {
    if (fr.signal_frame) break;
    out += frame_line(n++, fr, base_dir) + "\n";
  }
  if (n == 0 && f.handler_frame) out += frame_line(n++, *f.handler_frame, base_dir) + "\n";
  out += "\nSUMMARY: sigstorm: " + crash_summary(f) + "\n";
  return out;
}

}  // namespace sigstorm
