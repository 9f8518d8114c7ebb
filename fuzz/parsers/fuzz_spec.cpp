// fuzz_spec: the --inject grammar and its neighbours (--check lists,
// durations, signal names). No crash, leak or hang on any input; every error
// of the spec parser is one line; a spec that parses prints back (format_spec) as a spec that
// parses to the same injection and prints the same again.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/signals.h"
#include "inject/options/spec.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_spec: %s: '%.*s'\n", what, static_cast<int>(input.size()), input.data());
  std::abort();
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

// Known and reported: glibc's reserved signals 32 and 33 parse as numbers
// but print as "SIG32"/"SIG33", which parse_signal does not take back. The
// round-trip properties skip them so the smoke run stays on new ground.
bool unnamed(int sig) {
  const std::string n = sigstorm::signal_name(sig);
  return n.size() > 3 && n[3] >= '0' && n[3] <= '9';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sigstorm::SpecResult r = sigstorm::parse_spec(text);
  if (!r.ok) {
    if (!one_line(r.error)) fail("error is not one line", text);
  } else if (!unnamed(r.injection.signal) &&
             !(r.injection.point == sigstorm::wire::kPointHandler && unnamed(r.injection.handler_signal))) {
    const std::string canon = sigstorm::format_spec(r.injection);
    const sigstorm::SpecResult again = sigstorm::parse_spec(canon);
    if (!again.ok) fail("canonical form does not parse", canon);
    if (sigstorm::format_spec(again.injection) != canon) fail("canonical form is not stable", canon);
    const auto& a = r.injection;
    const auto& b = again.injection;
    if (a.signal != b.signal || a.point != b.point || a.function != b.function ||
        a.handler_signal != b.handler_signal || a.duration_ns != b.duration_ns || a.target != b.target ||
        a.mode != b.mode || a.max != b.max || a.p_scaled != b.p_scaled)
      fail("canonical form means something else", canon);
    if (std::strlen(r.injection.text) >= sizeof r.injection.text) fail("text not terminated", text);
  }
  const sigstorm::ChecksResult c = sigstorm::parse_checks(text);
  if (c.ok && sigstorm::parse_checks(sigstorm::format_checks(c.mask)).mask != c.mask)
    fail("check list does not round-trip", text);
  // (--check errors may quote the input raw: the CLI makes every message one line.)
  if (!c.ok && c.error.empty()) fail("check error is empty", text);
  if (auto ns = sigstorm::parse_duration(text)) {
    if (sigstorm::parse_duration(sigstorm::format_duration(*ns)) != ns) fail("duration does not round-trip", text);
  }
  if (auto sig = sigstorm::parse_signal(text); sig && !unnamed(*sig)) {
    if (sigstorm::parse_signal(sigstorm::signal_name(*sig)) != sig) fail("signal name does not round-trip", text);
  }
  return 0;
}
