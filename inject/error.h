// The one exception the engine throws: a one-line, user-facing message that
// the CLI prints as "sigstorm: error: MESSAGE" (exit status 2).
#pragma once
#include <stdexcept>
#include <string>

namespace sigstorm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sigstorm
