// A whole decimal number, as every option and SPEC field spells one: digits
// only (no sign, no spaces, no 0x), and no overflow.
#pragma once
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sigstorm {

inline std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace sigstorm
