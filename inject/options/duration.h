// DUR := NUMBER [UNIT]   NUMBER := digits ['.' digits]   UNIT := ns | us | ms | s | m | h
// A bare number is seconds (as timeout(1) and libFuzzer's -max_total_time);
// e.g. 200us, 50ms, 1.5s, 10m, 1h, 30.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigstorm {

// Nanoseconds, or nullopt for anything else: no sign, no spaces, a fraction
// only where it makes whole nanoseconds, nothing that overflows.
std::optional<uint64_t> parse_duration(std::string_view text);

// The shortest exact form in ns/us/ms/s: 2000000000 -> "2s", 1500000 -> "1500us".
std::string format_duration(uint64_t ns);

}  // namespace sigstorm
