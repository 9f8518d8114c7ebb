#include "inject/options/replay.h"

#include <charconv>

#include "inject/options/checks.h"
#include "inject/options/duration.h"
#include "inject/options/functions.h"
#include "inject/options/shell_quote.h"

namespace sigstorm {

std::vector<std::string> replay_options(uint32_t checks, wire::Policy policy, uint64_t hang_timeout_ns,
                                        std::optional<uint64_t> timeout_ns, double time_scale,
                                        std::optional<uint64_t> kill_after_ns) {
  std::vector<std::string> out;
  if (checks != wire::kAllChecks) out.insert(out.end(), {"--check", format_checks(checks)});
  if (policy != wire::kPolicyPosix) out.insert(out.end(), {"--policy", std::string(policy_name(policy))});
  if (hang_timeout_ns && hang_timeout_ns != kDefaultHangTimeoutNs)
    out.insert(out.end(), {"--hang-timeout", format_duration(hang_timeout_ns)});
  if (timeout_ns) out.insert(out.end(), {"--timeout", format_duration(*timeout_ns)});
  if (kill_after_ns) out.insert(out.end(), {"--kill-after", format_duration(*kill_after_ns)});
  if (time_scale != 1.0) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, time_scale);  // the shortest exact form
    out.insert(out.end(), {"--time-scale", std::string(buf, res.ptr)});
  }
  return out;
}

std::string replay_line(uint64_t seed, const std::vector<std::string>& options,
                        const std::vector<std::string>& specs, const std::vector<std::string>& argv) {
  std::string line = "sigstorm run --seed " + std::to_string(seed);
  for (const std::string& o : options) line += " " + shell_quote(o);
  for (const std::string& s : specs) line += " --inject " + shell_quote(s);
  line += " --";
  for (const std::string& a : argv) line += " " + shell_quote(a);
  return line;
}

}  // namespace sigstorm
