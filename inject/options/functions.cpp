#include "inject/options/functions.h"

#include "inject/wire/safe_list.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace sigstorm {
namespace {

// The .def's safety and flag columns are bare tokens: define them for the
// expansion only, saving whatever a system header may have meant by them.
#pragma push_macro("POSIX")
#pragma push_macro("LINUX")
#pragma push_macro("UNSAFE")
#pragma push_macro("BLOCKS")
#pragma push_macro("INTR")
#pragma push_macro("RESTARTS")
#pragma push_macro("VERSIONED")
#undef POSIX
#undef LINUX
#undef UNSAFE
#undef BLOCKS
#undef INTR
#undef RESTARTS
#undef VERSIONED
#define POSIX Safety::Posix
#define LINUX Safety::Linux
#define UNSAFE Safety::Unsafe
#define BLOCKS 1u
#define INTR 2u
#define RESTARTS 4u
#define VERSIONED 8u

constexpr FunctionInfo row(std::string_view name, std::string_view family, Safety safety, unsigned flags) {
  return {name, family, safety, (flags & BLOCKS) != 0, (flags & INTR) != 0, (flags & RESTARTS) != 0};
}

constexpr FunctionInfo kFunctions[] = {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) \
  row(#name, #family, safety, flags),
#define SIGSTORM_FN_MANUAL(name, ret, params, args, family, safety, flags) \
  row(#name, #family, safety, flags),
#include "inject/wire/functions.def"
};

#undef POSIX
#undef LINUX
#undef UNSAFE
#undef BLOCKS
#undef INTR
#undef RESTARTS
#undef VERSIONED
#pragma pop_macro("POSIX")
#pragma pop_macro("LINUX")
#pragma pop_macro("UNSAFE")
#pragma pop_macro("BLOCKS")
#pragma pop_macro("INTR")
#pragma pop_macro("RESTARTS")
#pragma pop_macro("VERSIONED")

// Process::calls has one counter per row.
static_assert(std::size(kFunctions) <= wire::kMaxFunctions, "grow wire::kMaxFunctions");

// The POSIX allowlist's names (inject/wire/safe_functions.def), for callers
// that want plain names.
constexpr auto kPosixSafe = [] {
  std::array<std::string_view, std::size(wire::kPosixSafeFunctions)> names{};
  for (size_t i = 0; i < names.size(); ++i) names[i] = wire::kPosixSafeFunctions[i].name;
  return names;
}();

std::string_view blocks_cell(const FunctionInfo& f) { return f.blocks ? "yes" : "no"; }

// "-": the call never fails with EINTR, so SA_RESTART has nothing to restart.
std::string_view restart_cell(const FunctionInfo& f) {
  if (!f.eintr) return "-";
  return f.restarts ? "yes" : "no";
}

void pad_to(std::string& out, std::string_view cell, size_t width) {
  out += cell;
  out.append(width > cell.size() ? width - cell.size() : 0, ' ');
}

}  // namespace

std::span<const FunctionInfo> functions() { return kFunctions; }

std::optional<int> function_index(std::string_view name) {
  for (size_t i = 0; i < std::size(kFunctions); ++i)
    if (kFunctions[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}

bool allowed_in_handler(const FunctionInfo& f, wire::Policy policy) {
  switch (f.safety) {
    case Safety::Posix: return true;
    case Safety::Linux: return policy == wire::kPolicyLinux;
    case Safety::Unsafe: return false;
  }
  return false;
}

std::string_view safety_name(Safety s) {
  switch (s) {
    case Safety::Posix: return "posix";
    case Safety::Linux: return "linux";
    case Safety::Unsafe: return "unsafe";
  }
  return "unsafe";
}

std::span<const std::string_view> posix_async_signal_safe() { return kPosixSafe; }

bool is_posix_async_signal_safe(std::string_view name) { return wire::posix_safe(name); }

std::span<const wire::SafeFunction> policy_additions(wire::Policy p) {
  if (p == wire::kPolicyLinux) return wire::kLinuxSafeFunctions;
  return wire::kPosixSafeFunctions;
}

std::string policy_text(wire::Policy p) {
  std::string out = "# --policy " + std::string(policy_name(p)) + ": what a signal handler may call\n";
  if (p == wire::kPolicyLinux) out += "# every function of --policy posix, and:\n";
  size_t w = 8;
  for (const auto& f : policy_additions(p)) w = std::max(w, f.name.size());
  out += "FUNCTION";
  out.append(w + 2 - 8, ' ');
  out += "REASON\n";
  for (const auto& f : policy_additions(p)) {
    pad_to(out, f.name, w + 2);
    out += f.reason.empty() ? std::string_view("POSIX.1-2024 async-signal-safe") : f.reason;
    out += '\n';
  }
  return out;
}

std::string policy_markdown() {
  std::string out =
      "## Allowlists of the unsafe-call check\n"
      "\n"
      "A handler's call to any function of a shared object is checked (see the README,\n"
      "\"How the unsafe-call check works\"). These are the functions it may call.\n"
      "`--policy posix` (the default): POSIX.1-2024's async-signal-safe functions, and\n"
      "glibc's other names of them (`open64`, `__read_chk`, `__memcpy_chk`).\n"
      "`--policy linux` also accepts the second table: each is a plain system call or pure\n"
      "computation in glibc. `sigstorm points --policy posix|linux` prints the same.\n"
      "\n"
      "| function (`--policy posix`) | reason |\n| --- | --- |\n";
  auto rows = [&](wire::Policy p) {
    for (const auto& f : policy_additions(p)) {
      out += "| `" + std::string(f.name) + "` | ";
      out += f.reason.empty() ? std::string_view("POSIX.1-2024") : f.reason;
      out += " |\n";
    }
  };
  rows(wire::kPolicyPosix);
  out += "\n| function (`--policy linux` adds) | reason |\n| --- | --- |\n";
  rows(wire::kPolicyLinux);
  return out;
}

std::optional<wire::Policy> parse_policy(std::string_view text) {
  if (text == "posix") return wire::kPolicyPosix;
  if (text == "linux") return wire::kPolicyLinux;
  return std::nullopt;
}

std::string_view policy_name(wire::Policy p) {
  return p == wire::kPolicyLinux ? "linux" : "posix";
}

std::string points_text() {
  constexpr std::string_view kHead[] = {"FUNCTION", "FAMILY", "SAFETY", "BLOCKS", "SA_RESTART"};
  size_t name_w = kHead[0].size(), family_w = kHead[1].size();
  for (const auto& f : kFunctions) {
    name_w = std::max(name_w, f.name.size());
    family_w = std::max(family_w, f.family.size());
  }
  const size_t widths[] = {name_w + 2, family_w + 2, 8, 8, 0};
  auto line = [&](std::string& out, const std::string_view (&cells)[5]) {
    for (int i = 0; i < 4; ++i) pad_to(out, cells[i], widths[i]);
    out += cells[4];
    out += '\n';
  };
  std::string out;
  line(out, kHead);
  for (const auto& f : kFunctions)
    line(out, {f.name, f.family, safety_name(f.safety), blocks_cell(f), restart_cell(f)});
  return out;
}

std::string points_markdown() {
  std::string out =
      "<!-- Generated by `sigstorm points --format markdown`; do not edit. -->\n"
      "# Injection points\n"
      "\n"
      "Every libc function sigstorm interposes. Each is an injection point\n"
      "(`--inject SIG@call:NAME`; `call:*` is any of them) and is checked when a\n"
      "signal handler calls it.\n"
      "\n"
      "- **family**: the group the function belongs to.\n"
      "- **safety**: `posix` functions are on the POSIX async-signal-safe list\n"
      "  (signal-safety(7)), or are glibc's other names for one (`open64`,\n"
      "  `__read_chk`), and are always fine in a handler. `linux` functions are\n"
      "  not on that list but are plain system calls in glibc: a handler calling\n"
      "  them is an `unsafe-call` under the default policy (`posix`) and is\n"
      "  accepted under `--policy linux`. `unsafe` functions take locks, allocate or\n"
      "  keep hidden state: calling them from a handler is always an `unsafe-call`.\n"
      "- **blocks**: the call can block indefinitely.\n"
      "- **SA_RESTART**: for calls a handler can interrupt with EINTR (the only\n"
      "  ones `mode=eintr` accepts), whether the kernel restarts the call when the\n"
      "  handler was installed with SA_RESTART (signal(7), \"Interruption of system\n"
      "  calls\"): `yes` restarted, `no` fails with EINTR regardless, `-` never\n"
      "  fails with EINTR.\n"
      "\n"
      "| function | family | safety | blocks | SA_RESTART |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const auto& f : kFunctions) {
    out += "| `";
    out += f.name;
    out += "` | ";
    out += f.family;
    out += " | ";
    out += safety_name(f.safety);
    out += " | ";
    out += blocks_cell(f);
    out += " | ";
    out += restart_cell(f);
    out += " |\n";
  }
  out += "\n";
  out += policy_markdown();
  return out;
}

}  // namespace sigstorm
