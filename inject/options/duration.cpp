#include "inject/options/duration.h"

#include <limits>

namespace sigstorm {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t ns;
};

// Largest first: format_duration picks the first unit that divides exactly.
constexpr Unit kUnits[] = {{"s", 1'000'000'000}, {"ms", 1'000'000}, {"us", 1'000}, {"ns", 1}};

}  // namespace

std::optional<uint64_t> parse_duration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  const std::string_view suffix = text.substr(digits);
  for (const auto& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    uint64_t n = 0;
    for (char c : text.substr(0, digits)) {
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (n > (kMax - d) / 10) return std::nullopt;
      n = n * 10 + d;
    }
    if (n > kMax / unit.ns) return std::nullopt;
    return n * unit.ns;
  }
  return std::nullopt;
}

std::string format_duration(uint64_t ns) {
  if (ns == 0) return "0s";
  for (const auto& unit : kUnits)
    if (ns % unit.ns == 0) return std::to_string(ns / unit.ns) + std::string(unit.suffix);
  return std::to_string(ns) + "ns";  // unreachable: 1ns divides everything
}

}  // namespace sigstorm
