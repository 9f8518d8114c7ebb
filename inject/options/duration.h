// DUR := integer with unit ns | us | ms | s (e.g. 200us, 50ms, 2s).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigstorm {

// Nanoseconds, or nullopt for anything that is not a whole number followed
// by a unit, or that overflows.
std::optional<uint64_t> parse_duration(std::string_view text);

// The shortest exact form: 2000000000 -> "2s", 1500000 -> "1500us".
std::string format_duration(uint64_t ns);

}  // namespace sigstorm
