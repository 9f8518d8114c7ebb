// Signal names as kill -l knows them: SIGUSR1, USR1, 10, SIGRTMIN+3, RTMIN+3.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sigstorm {

// The signal number, or nullopt for an unknown name or out-of-range number.
std::optional<int> parse_signal(std::string_view text);

// "SIGUSR1", "SIGRTMIN+3", "SIGRTMAX"; "SIG<n>" for anything else.
std::string signal_name(int sig);

}  // namespace sigstorm
