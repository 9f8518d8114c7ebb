#include "inject/options/checks.h"

#include <array>

namespace sigstorm {
namespace {

struct KindInfo {
  wire::Kind kind;
  std::string_view name;
  bool error;
  std::string_view title;
  std::string_view description;
};

constexpr std::array<KindInfo, 6> kKinds{{
    {wire::kUnsafeCall, "unsafe-call", true,
     "Async-signal-unsafe call in a signal handler",
     "A function outside the POSIX async-signal-safe list (signal-safety(7)) was called while a "
     "signal handler ran on that thread."},
    {wire::kErrnoClobber, "errno-clobber", true,
     "Signal handler changes errno",
     "A signal handler returned with errno different from its value at entry."},
    {wire::kReentrancy, "reentrancy", false,
     "Signal handler re-entered on the same thread",
     "A signal handler was entered again on a thread while it was already running there."},
    {wire::kHandlerHang, "handler-hang", true,
     "Signal handler hangs",
     "A signal handler ran longer than --hang-timeout (usually a deadlock)."},
    {wire::kHandlerCrash, "handler-crash", true,
     "Fatal signal inside a signal handler",
     "A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) was raised while a signal handler "
     "ran."},
    {wire::kLongjmpMask, "longjmp-mask", true,
     "longjmp out of a signal handler leaves the signal blocked",
     "A signal handler was left by a jump that kept its signal blocked (longjmp instead of "
     "siglongjmp)."},
}};

constexpr std::array<wire::Kind, 6> kAllKinds{wire::kUnsafeCall,   wire::kErrnoClobber,
                                              wire::kReentrancy,   wire::kHandlerHang,
                                              wire::kHandlerCrash, wire::kLongjmpMask};

const KindInfo* info(wire::Kind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

}  // namespace

std::span<const wire::Kind> all_kinds() { return kAllKinds; }

std::string_view kind_name(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->name : std::string_view{};
}

std::optional<wire::Kind> parse_kind(std::string_view text) {
  for (const auto& k : kKinds)
    if (k.name == text) return k.kind;
  return std::nullopt;
}

std::string_view severity_name(wire::Kind kind) { return is_error(kind) ? "error" : "warning"; }

bool is_error(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->error : true;
}

std::string_view kind_title(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->title : std::string_view{};
}

std::string_view kind_description(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->description : std::string_view{};
}

ChecksResult parse_checks(std::string_view list) {
  ChecksResult r;
  auto fail = [&](std::string message) {
    r.ok = false;
    r.mask = 0;
    r.error = "--check '" + std::string(list) + "': " + std::move(message);
    return r;
  };
  if (list.empty()) return fail("empty list (want a comma list of " + format_checks(wire::kAllChecks) + ")");
  size_t pos = 0;
  while (true) {
    const size_t comma = list.find(',', pos);
    const std::string_view item =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (item.empty()) return fail("empty item in the list");
    if (item == "all") {
      r.mask |= wire::kAllChecks;
    } else if (auto kind = parse_kind(item)) {
      r.mask |= wire::check_bit(*kind);
    } else {
      return fail("unknown check '" + std::string(item) + "' (want " +
                  format_checks(wire::kAllChecks) + ")");
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  r.ok = true;
  return r;
}

std::string format_checks(uint32_t mask) {
  std::string out;
  for (wire::Kind k : kAllKinds) {
    if (!(mask & wire::check_bit(k))) continue;
    if (!out.empty()) out += ',';
    out += kind_name(k);
  }
  return out;
}

}  // namespace sigstorm
