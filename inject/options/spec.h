// The --inject grammar of ../shared/contract.md:
//   SPEC := SIGNAL '@' POINT { ',' KEY '=' VALUE }
#pragma once
#include <string>
#include <string_view>

#include "inject/wire/record_format.h"

namespace sigstorm {

struct SpecResult {
  bool ok = false;
  wire::Injection injection{};  // valid when ok; text holds the spec as given
  std::string error;            // when !ok: one line naming the offending part
  std::string warning;          // when ok: a spec that works but likely not as meant
};

// Parses one SPEC. Errors read like
//   "--inject 'USR1@cal:read': unknown point 'cal:read' (want call:FUNC, after:DUR, every:DUR or handler:SIG)"
SpecResult parse_spec(std::string_view text);

// The spec written back in canonical form (SIGUSR1@call:read,when=3+2,...).
std::string format_spec(const wire::Injection& injection);

}  // namespace sigstorm
