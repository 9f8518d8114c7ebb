#include "inject/options/duration.h"

#include <limits>

namespace sigstorm {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t ns;
  bool formats;  // format_duration writes it (m and h are read only: replay lines stay as before)
};

// Largest first: format_duration picks the first unit that divides exactly.
constexpr Unit kUnits[] = {{"h", 3'600'000'000'000, false}, {"m", 60'000'000'000, false},
                           {"s", 1'000'000'000, true},      {"ms", 1'000'000, true},
                           {"us", 1'000, true},              {"ns", 1, true}};
constexpr uint64_t kSecond = 1'000'000'000;

bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<uint64_t> parse_duration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && digit(text[i])) ++i;
  const std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    const size_t start = ++i;
    while (i < text.size() && digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return std::nullopt;
  }
  if (whole.empty()) return std::nullopt;
  const std::string_view suffix = text.substr(i);
  uint64_t scale = 0;
  if (suffix.empty()) scale = kSecond;
  for (const auto& unit : kUnits)
    if (suffix == unit.suffix) scale = unit.ns;
  if (scale == 0) return std::nullopt;

  using Wide = unsigned __int128;
  constexpr Wide kMax = std::numeric_limits<uint64_t>::max();
  Wide n = 0;
  for (char c : whole) {
    n = n * 10 + static_cast<unsigned>(c - '0');
    if (n > kMax) return std::nullopt;
  }
  Wide ns = n * scale;
  // The fraction must come to whole nanoseconds: 1.5s yes, 1.5ns no.
  Wide frac = 0, denom = 1;
  for (char c : fraction) {
    if (denom > kMax) return std::nullopt;  // more digits than any unit can need
    frac = frac * 10 + static_cast<unsigned>(c - '0');
    denom *= 10;
  }
  if ((frac * scale) % denom != 0) return std::nullopt;
  ns += frac * scale / denom;
  if (ns > kMax) return std::nullopt;
  return static_cast<uint64_t>(ns);
}

std::string format_duration(uint64_t ns) {
  if (ns == 0) return "0s";
  for (const auto& unit : kUnits)
    if (unit.formats && ns % unit.ns == 0) return std::to_string(ns / unit.ns) + std::string(unit.suffix);
  return std::to_string(ns) + "ns";  // unreachable: 1ns divides everything
}

}  // namespace sigstorm
