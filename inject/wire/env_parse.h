// The tokenizer of SIGSTORM_OPTIONS (keys in env_keys.def), shared by the
// engine and the shim: no allocation, no libc, so the shim can run it before
// the program's constructors.
#pragma once
#include <stddef.h>

namespace sigstorm::wire {

struct EnvPair {
  const char* key;
  size_t key_len;
  const char* value;  // quotes removed; not NUL-terminated
  size_t value_len;
  size_t offset;      // of the key in the whole string, for error messages
};

enum class EnvStep { kPair, kEnd, kNoEquals, kUnterminatedQuote };

// Reads the next `key=value` from text at *pos (separators ':', ' ', '\t',
// '\n'; a value may be quoted with ' or "). Advances *pos past it.
inline EnvStep next_env_pair(const char* text, size_t* pos, EnvPair* out) {
  auto sep = [](char c) { return c == ':' || c == ' ' || c == '\t' || c == '\n'; };
  size_t i = *pos;
  while (text[i] && sep(text[i])) ++i;
  if (!text[i]) {
    *pos = i;
    return EnvStep::kEnd;
  }
  out->offset = i;
  out->key = text + i;
  while (text[i] && text[i] != '=' && !sep(text[i])) ++i;
  out->key_len = static_cast<size_t>(text + i - out->key);
  if (text[i] != '=') {
    *pos = i;
    return EnvStep::kNoEquals;
  }
  ++i;
  if (text[i] == '\'' || text[i] == '"') {
    const char quote = text[i++];
    out->value = text + i;
    while (text[i] && text[i] != quote) ++i;
    if (!text[i]) {
      *pos = i;
      return EnvStep::kUnterminatedQuote;
    }
    out->value_len = static_cast<size_t>(text + i - out->value);
    ++i;
  } else {
    out->value = text + i;
    while (text[i] && !sep(text[i])) ++i;
    out->value_len = static_cast<size_t>(text + i - out->value);
  }
  *pos = i;
  return EnvStep::kPair;
}

}  // namespace sigstorm::wire
