// SIGSTORM_OPTIONS as the engine reads it (the CLI and the fuzz harness):
// the keys of inject/wire/env_keys.def, each with the flag it stands for.
#pragma once
#include <string>
#include <vector>

namespace sigstorm {

struct EnvOption {
  std::string key;
  std::string flag;  // "" for keys with no flag (log_path, help)
  std::string value;
};

// The pairs of `text` (SIGSTORM_OPTIONS' value), in order. Throws
// sigstorm::Error naming the key and its place for an unknown key, a pair
// without '=' or an unterminated quote.
std::vector<EnvOption> parse_env_options(const char* text);

// What help=1 prints: every key, its value and meaning, one a line.
std::string env_options_help();

// The value of `key` in options (the last one given), or nullptr.
const EnvOption* find_env_option(const std::vector<EnvOption>& options, const std::string& key);

}  // namespace sigstorm
