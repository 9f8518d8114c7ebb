// A word as a POSIX shell reads it back: replay lines are pasted into shells.
#pragma once
#include <string>
#include <string_view>

namespace sigstorm {

// Single-quotes WORD unless it is plainly safe.
inline std::string shell_quote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
    plain = plain && ok;
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace sigstorm
