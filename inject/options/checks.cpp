#include "inject/options/checks.h"

#include <array>

namespace sigstorm {
namespace {

struct KindInfo {
  wire::Kind kind;
  std::string_view name;
  bool error;
  std::string_view title;
  std::string_view help;
  std::string_view json;
};

constexpr bool error = true, warning = false;
constexpr KindInfo kKinds[] = {
#define SIGSTORM_KIND(id, ident, name, severity, title, help, json) {wire::ident, name, severity, title, help, json},
#include "inject/wire/kinds.def"
};

constexpr std::array<wire::Kind, std::size(kKinds)> kAllKinds = [] {
  std::array<wire::Kind, std::size(kKinds)> a{};
  for (size_t i = 0; i < std::size(kKinds); ++i) a[i] = kKinds[i].kind;
  return a;
}();
static_assert(std::size(kKinds) == wire::kKindCount - 1, "kinds are numbered 1..N without gaps");

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

std::string_view kind_help(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->help : std::string_view{};
}

std::string_view kind_json_fields(wire::Kind kind) {
  const KindInfo* k = info(kind);
  return k ? k->json : std::string_view{};
}

std::string kinds_markdown() {
  std::string out = "| finding | severity | what went wrong |\n| --- | --- | --- |\n";
  for (const auto& k : kKinds)
    out += "| `" + std::string(k.name) + "` | " + (k.error ? "error" : "warning") + " | " + std::string(k.help) + " |\n";
  return out;
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
