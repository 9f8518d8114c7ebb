// inject/wire/safe_functions.def as sorted arrays, and the one matcher of a
// symbol against a policy. Header-only and allocation-free: the CLI, the
// tests and libsigstorm-audit.so (which links no C++ runtime) share it.
#pragma once

#include <algorithm>
#include <iterator>
#include <string_view>

#include "inject/wire/record_format.h"

namespace sigstorm::wire {

struct SafeFunction {
  std::string_view name;
  std::string_view reason;  // empty: the standard lists it
};

#define SIGSTORM_SAFE_POSIX(name, reason) SafeFunction{#name, reason},
#define SIGSTORM_SAFE_LINUX(name, reason)
#define SIGSTORM_SAFE(name, policy, reason) SIGSTORM_SAFE_##policy(name, reason)
inline constexpr SafeFunction kPosixSafeFunctions[] = {
#include "inject/wire/safe_functions.def"
};
#undef SIGSTORM_SAFE_POSIX
#undef SIGSTORM_SAFE_LINUX
#define SIGSTORM_SAFE_POSIX(name, reason)
#define SIGSTORM_SAFE_LINUX(name, reason) SafeFunction{#name, reason},
inline constexpr SafeFunction kLinuxSafeFunctions[] = {
#include "inject/wire/safe_functions.def"
};
#undef SIGSTORM_SAFE_POSIX
#undef SIGSTORM_SAFE_LINUX
#undef SIGSTORM_SAFE

constexpr bool sorted_by_name(const SafeFunction* b, const SafeFunction* e) {
  return std::is_sorted(b, e, [](const SafeFunction& x, const SafeFunction& y) { return x.name < y.name; });
}
static_assert(sorted_by_name(std::begin(kPosixSafeFunctions), std::end(kPosixSafeFunctions)),
              "safe_functions.def: keep the POSIX rows sorted");
static_assert(sorted_by_name(std::begin(kLinuxSafeFunctions), std::end(kLinuxSafeFunctions)),
              "safe_functions.def: keep the LINUX rows sorted");

template <size_t N>
constexpr bool listed_in(const SafeFunction (&list)[N], std::string_view name) {
  auto it = std::lower_bound(std::begin(list), std::end(list), name,
                             [](const SafeFunction& f, std::string_view n) { return f.name < n; });
  return it != std::end(list) && it->name == name;
}

// glibc's other names for a function: what <fcntl.h>, LFS and _FORTIFY_SOURCE
// redirect a program's open()/read()/memcpy() to (open64, __open_2,
// __read_chk, __memcpy_chk). The base name, or `name` itself.
constexpr std::string_view glibc_base_name(std::string_view name) {
  std::string_view base = name;
  if (base.starts_with("__")) {
    base.remove_prefix(2);
    if (base.ends_with("_chk")) base.remove_suffix(4);
    else if (base.ends_with("_2")) base.remove_suffix(2);
    else return name;
  }
  if (base.ends_with("64")) base.remove_suffix(2);
  return base;
}

// On the POSIX list, as itself or as glibc's alias of a listed function.
constexpr bool posix_safe(std::string_view name) {
  if (listed_in(kPosixSafeFunctions, name)) return true;
  const std::string_view base = glibc_base_name(name);
  return base != name && listed_in(kPosixSafeFunctions, base);
}

// May a handler call `name` under the policy?
constexpr bool safe_under(std::string_view name, Policy policy) {
  if (posix_safe(name)) return true;
  if (policy != kPolicyLinux) return false;
  if (listed_in(kLinuxSafeFunctions, name)) return true;
  const std::string_view base = glibc_base_name(name);
  return base != name && (listed_in(kLinuxSafeFunctions, base) || posix_safe(base));
}

}  // namespace sigstorm::wire
