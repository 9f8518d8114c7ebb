// The engine's exceptions: one-line, user-facing messages that the CLI
// prints as "sigstorm: error: MESSAGE".
//   Error    something about the command line or the program makes the run
//            impossible; the program was never started (exit status 2)
//   Failure  sigstorm itself failed after the program started, so the run
//            has no trustworthy report (exit status kFailureExit)
#pragma once
#include <stdexcept>
#include <string>

namespace sigstorm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class Failure : public Error {
 public:
  explicit Failure(const std::string& message) : Error(message) {}
};

constexpr int kUsageExit = 2;
// As timeout(1) and env(1) report a failure of their own.
constexpr int kFailureExit = 125;

}  // namespace sigstorm
