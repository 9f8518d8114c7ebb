// The table of interposed functions (inject/wire/functions.def) as data for the
// CLI: `sigstorm points`, --inject call:FUNC, docs/points.md, the reports.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "inject/wire/record_format.h"
#include "inject/wire/safe_list.h"

namespace sigstorm {

enum class Safety { Posix, Linux, Unsafe };

struct FunctionInfo {
  std::string_view name;
  std::string_view family;
  Safety safety;
  bool blocks;     // can block indefinitely
  bool eintr;      // can fail with EINTR when a handler interrupts it
  bool restarts;   // restarted after a SA_RESTART handler (signal(7))
};

// Every row, in table order; row i is function id i + 1 in the run file.
std::span<const FunctionInfo> functions();

// Row index of a function name, or nullopt.
std::optional<int> function_index(std::string_view name);

// Is calling this function from a handler fine under the policy?
bool allowed_in_handler(const FunctionInfo& f, wire::Policy policy);

std::string_view safety_name(Safety s);  // "posix", "linux", "unsafe"

// Every function on POSIX's async-signal-safe list (signal-safety(7)),
// interposed or not. is_posix_async_signal_safe also accepts glibc's aliases
// of a listed function: open64, openat64, __open_2, __open64_2, __read_chk.
std::span<const std::string_view> posix_async_signal_safe();
bool is_posix_async_signal_safe(std::string_view name);

// The allowlists of the unsafe-call check (inject/wire/safe_functions.def):
// POSIX.1-2024's list, or what --policy linux adds to it, each with its
// reason; and the `sigstorm points --policy` listing of one, and both as
// Markdown (the second part of docs/points.md).
std::span<const wire::SafeFunction> policy_additions(wire::Policy p);
std::string policy_text(wire::Policy p);
std::string policy_markdown();

// "posix" or "linux".
std::optional<wire::Policy> parse_policy(std::string_view text);
std::string_view policy_name(wire::Policy p);

// The `sigstorm points` listing, and the same as a Markdown table
// (docs/points.md is generated from it and checked by a test).
std::string points_text();
std::string points_markdown();

}  // namespace sigstorm
