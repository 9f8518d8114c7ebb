#include "inject/options/signals.h"

#include <csignal>
#include <cstdint>

namespace sigstorm {
namespace {

struct Named {
  std::string_view name;  // without the SIG prefix
  int number;
};

// Canonical names first, so signal_name finds them before the aliases.
constexpr Named kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},   {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},     {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},   {"CONT", SIGCONT},     {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH},
    {"IO", SIGIO},       {"PWR", SIGPWR},       {"SYS", SIGSYS},
    // Aliases kill -l accepts.
    {"IOT", SIGIOT},     {"POLL", SIGPOLL},     {"CLD", SIGCHLD},
};

// Signal names are accepted in either case, as kill(1) does.
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequal(s.substr(0, prefix.size()), prefix);
}

// Plain decimal digits only: no sign, no spaces; capped well above any signal.
std::optional<int> small_number(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// RTMIN, RTMIN+N, RTMAX, RTMAX-N (SIG prefix already stripped). glibc
// reserves the first real-time signals, so the bounds are read at run time.
std::optional<int> parse_realtime(std::string_view s) {
  const int lo = SIGRTMIN, hi = SIGRTMAX;
  const bool min = istarts_with(s, "RTMIN");
  if (!min && !istarts_with(s, "RTMAX")) return std::nullopt;
  std::string_view rest = s.substr(5);
  if (rest.empty()) return min ? lo : hi;
  if (rest[0] != (min ? '+' : '-')) return std::nullopt;
  auto n = small_number(rest.substr(1));
  if (!n || *n > hi - lo) return std::nullopt;
  return min ? lo + *n : hi - *n;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
    auto n = small_number(text);
    if (!n || *n < 1 || *n > SIGRTMAX) return std::nullopt;
    return n;
  }
  std::string_view s = istarts_with(text, "SIG") ? text.substr(3) : text;
  // "SIG32": how signal_name spells the signals glibc keeps for itself.
  if (s.size() != text.size() && !s.empty() && s[0] >= '0' && s[0] <= '9') return parse_signal(s);
  for (const auto& sig : kSignals)
    if (iequal(s, sig.name)) return sig.number;
  return parse_realtime(s);
}

std::string signal_name(int sig) {
  for (const auto& s : kSignals)
    if (s.number == sig) return "SIG" + std::string(s.name);
  const int lo = SIGRTMIN, hi = SIGRTMAX;
  if (sig >= lo && sig <= hi) {
    // Split the range in half as bash's kill -l does: 49 is SIGRTMIN+15,
    // 50 is SIGRTMAX-14.
    if (sig == lo) return "SIGRTMIN";
    if (sig == hi) return "SIGRTMAX";
    if (sig - lo <= (hi - lo) / 2) return "SIGRTMIN+" + std::to_string(sig - lo);
    return "SIGRTMAX-" + std::to_string(hi - sig);
  }
  return "SIG" + std::to_string(sig);
}

}  // namespace sigstorm
