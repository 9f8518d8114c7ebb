// The finding kinds (inject/wire/kinds.def) as data for the CLI: names,
// severities, titles, help, and the --check list.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "inject/wire/record_format.h"

namespace sigstorm {

// Every kind, in the contract's order (unsafe-call ... longjmp-mask).
std::span<const wire::Kind> all_kinds();

// "unsafe-call", "errno-clobber", ...; "" for a value outside the enum.
std::string_view kind_name(wire::Kind kind);

// The kind named by text, or nullopt.
std::optional<wire::Kind> parse_kind(std::string_view text);

// "error" for every kind but reentrancy, which is a "warning".
std::string_view severity_name(wire::Kind kind);
bool is_error(wire::Kind kind);

// What went wrong and why it matters (README table, SARIF help).
std::string_view kind_help(wire::Kind kind);
// A short title ("Async-signal-unsafe call in a signal handler").
std::string_view kind_title(wire::Kind kind);
// The fields a JSON finding of this kind adds ("errno_before, errno_after").
std::string_view kind_json_fields(wire::Kind kind);
// The README's findings table, generated (a unit test keeps them equal).
std::string kinds_markdown();

struct ChecksResult {
  bool ok = false;
  uint32_t mask = 0;   // wire::check_bit() of each named kind, when ok
  std::string error;   // when !ok: one line naming the offending part
};

// Parses a --check comma list ("unsafe-call,errno-clobber"); "all" names
// every check. Empty items, unknown names and an empty list are errors.
ChecksResult parse_checks(std::string_view list);

// The mask as a comma list in the contract's order ("unsafe-call,reentrancy").
std::string format_checks(uint32_t mask);

}  // namespace sigstorm
