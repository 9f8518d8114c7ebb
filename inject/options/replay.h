// The `sigstorm run` line that replays a run: built once, for the text
// report's "replay with:" line and for `sigstorm fuzz`'s reproducer.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inject/wire/record_format.h"

namespace sigstorm {

// Defaults, written once: the CLI's help, its parsers and the replay line
// (which leaves them out) read them here.
constexpr uint64_t kDefaultHangTimeoutNs = 2'000'000'000ull;
constexpr std::string_view kDefaultHangTimeout = "2s";
constexpr int kDefaultErrorExitcode = 66;
constexpr std::string_view kDefaultErrorExitcodeText = "66";
// --expect-exit: the signals that ask a program to end.
constexpr std::string_view kDefaultExitSignals = "SIGINT,SIGTERM,SIGHUP,SIGQUIT";

// The options of a run as `sigstorm run` words, defaults left out:
// --check LIST, --policy P, --hang-timeout DUR, --timeout DUR, --time-scale F.
std::vector<std::string> replay_options(uint32_t checks, wire::Policy policy, uint64_t hang_timeout_ns,
                                        std::optional<uint64_t> timeout_ns, double time_scale,
                                        std::optional<uint64_t> kill_after_ns = std::nullopt);

// `sigstorm run --seed N OPTIONS --inject SPEC... -- ARGV`, one line, each
// word quoted for a POSIX shell.
std::string replay_line(uint64_t seed, const std::vector<std::string>& options,
                        const std::vector<std::string>& specs, const std::vector<std::string>& argv);

}  // namespace sigstorm
