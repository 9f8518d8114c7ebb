#include "inject/options/env_options.h"

#include <cstdio>

#include "inject/error.h"
#include "inject/wire/env_parse.h"

namespace sigstorm {
namespace {

struct KeyDef {
  const char* key;
  const char* flag;
  const char* value;
  const char* help;
};

constexpr KeyDef kKeys[] = {
#define SIGSTORM_ENV_KEY(key, flag, value, help) {#key, flag, value, help},
#include "inject/wire/env_keys.def"
#undef SIGSTORM_ENV_KEY
};

std::string known_keys() {
  std::string out;
  for (const KeyDef& k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k.key);
  return out;
}

}  // namespace

std::vector<EnvOption> parse_env_options(const char* text) {
  std::vector<EnvOption> out;
  if (!text) return out;
  size_t pos = 0;
  for (;;) {
    wire::EnvPair p{};
    const wire::EnvStep step = wire::next_env_pair(text, &pos, &p);
    if (step == wire::EnvStep::kEnd) return out;
    const std::string key(p.key, p.key_len);
    const std::string where = "SIGSTORM_OPTIONS at character " + std::to_string(p.offset + 1);
    if (step == wire::EnvStep::kNoEquals)
      throw Error(where + ": '" + key + "' is not key=value (keys: " + known_keys() + ")");
    if (step == wire::EnvStep::kUnterminatedQuote) throw Error(where + ": " + key + "=: unterminated quote");
    const KeyDef* def = nullptr;
    for (const KeyDef& k : kKeys)
      if (key == k.key) def = &k;
    if (!def) throw Error(where + ": unknown key '" + key + "' (keys: " + known_keys() + "; help=1 lists them)");
    out.push_back({key, def->flag, std::string(p.value, p.value_len)});
  }
}

std::string env_options_help() {
  std::string out = "SIGSTORM_OPTIONS keys (key=value, separated by ':' or spaces; flags win over them):\n";
  for (const KeyDef& k : kKeys) {
    char line[256];
    const std::string name = std::string(k.key) + "=" + k.value;
    const std::string flag = *k.flag ? std::string(" (") + k.flag + ")" : "";
    std::snprintf(line, sizeof line, "  %-28s %s%s\n", name.c_str(), k.help, flag.c_str());
    out += line;
  }
  return out;
}

const EnvOption* find_env_option(const std::vector<EnvOption>& options, const std::string& key) {
  const EnvOption* found = nullptr;
  for (const EnvOption& o : options)
    if (o.key == key) found = &o;
  return found;
}

}  // namespace sigstorm
