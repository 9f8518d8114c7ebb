#include "inject/options/spec.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "inject/options/duration.h"
#include "inject/options/functions.h"
#include "inject/options/number.h"
#include "inject/options/signals.h"

namespace sigstorm {
namespace {

constexpr std::string_view kWantPoint = "(want call:FUNC, after:DUR, every:DUR or handler:SIG)";
constexpr std::string_view kWantDuration = "(want a number with unit ns, us, ms, s, m or h, e.g. 50ms, 1.5s; a bare number is seconds)";
constexpr std::string_view kWantWhen = "(want FIRST[..LAST][+[STEP]], e.g. 3, 3+, 3+2, 2..8+3)";
constexpr uint32_t kProbabilityOne = 0xffffffffu;

// Error messages are single lines even when the spec holds control bytes.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string quote(std::string_view s) { return "'" + printable(s) + "'"; }

struct When {
  uint64_t first = 1, last = 0, step = 1;
  bool plus = true;
};

// FIRST[..LAST][+[STEP]]; the error names what is wrong, "" on success.
std::string parse_when(std::string_view s, When& w) {
  auto digits = [&s](size_t from) {
    size_t i = from;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i;
  };
  size_t i = digits(0);
  auto first = parse_u64(s.substr(0, i));
  std::optional<uint64_t> last, step;
  bool plus = false;
  if (first && s.substr(i, 2) == "..") {
    const size_t j = digits(i + 2);
    last = parse_u64(s.substr(i + 2, j - i - 2));
    if (!last) first.reset();
    i = j;
  }
  if (first && i < s.size() && s[i] == '+') {
    plus = true;
    const size_t j = digits(i + 1);
    if (j > i + 1) {
      step = parse_u64(s.substr(i + 1, j - i - 1));
      if (!step) first.reset();
    }
    i = j;
  }
  if (!first || i != s.size()) return "bad when=" + quote(s) + " " + std::string(kWantWhen);
  if (*first == 0) return "when=" + quote(s) + " counts hits from 1, not 0";
  if (last && *last < *first) return "when=" + quote(s) + " ends before it starts (LAST < FIRST)";
  if (step && *step == 0) return "when=" + quote(s) + " has STEP 0 (want 1 or more)";
  w.first = *first;
  w.plus = plus;
  // A lone FIRST is the range FIRST..FIRST, as when.h documents it.
  w.last = last ? *last : (plus ? 0 : *first);
  w.step = plus ? (step ? *step : 1) : 0;
  return "";
}

// A decimal from 0 to 1: "0", "1", "0.25", ".5". No sign, exponent or inf.
std::optional<uint32_t> parse_probability(std::string_view s) {
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  auto all_digits = [](std::string_view d) {
    for (char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (!all_digits(whole) || !all_digits(frac)) return std::nullopt;
  if (whole.empty() && frac.empty()) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  // from_chars does not accept a leading '.', so give it a leading zero.
  const std::string norm = (whole.empty() ? "0" : std::string(whole)) +
                           (frac.empty() ? "" : "." + std::string(frac));
  double p = 0;
  auto [end, ec] = std::from_chars(norm.data(), norm.data() + norm.size(), p);
  if (ec != std::errc{} || end != norm.data() + norm.size() || p > 1.0) return std::nullopt;
  const double scaled = std::round(p * 4294967296.0);
  return scaled >= 4294967295.0 ? kProbabilityOne : static_cast<uint32_t>(scaled);
}

// The shortest decimal that parses back to the same p_scaled.
std::string format_probability(uint32_t scaled) {
  if (scaled == 0) return "0";
  if (scaled == kProbabilityOne) return "1";
  const double p = scaled / 4294967296.0;
  char buf[32];
  for (int precision = 1; precision <= 12; ++precision) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p, std::chars_format::fixed, precision);
    if (ec != std::errc{}) break;
    std::string s(buf, end);
    if (parse_probability(s) == scaled) return s;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p, std::chars_format::fixed, 12);
  return ec == std::errc{} ? std::string(buf, end) : "1";
}

std::string format_when(const wire::Injection& inj) {
  const bool plus = inj.when_plus != 0;
  if (!plus && (inj.when_last == 0 || inj.when_last == inj.when_first))
    return std::to_string(inj.when_first);
  std::string s = std::to_string(inj.when_first);
  if (inj.when_last != 0) s += ".." + std::to_string(inj.when_last);
  if (plus) {
    s += "+";
    if (inj.when_step > 1) s += std::to_string(inj.when_step);
  }
  return s;
}

bool is_default_when(const wire::Injection& inj) {
  return inj.when_first == 1 && inj.when_last == 0 && inj.when_plus != 0 && inj.when_step <= 1;
}

uint32_t default_target(uint32_t point) {
  return point == wire::kPointAfter || point == wire::kPointEvery ? wire::kTargetMain
                                                                   : wire::kTargetSelf;
}

std::string_view target_name(uint32_t t) {
  switch (t) {
    case wire::kTargetSelf: return "self";
    case wire::kTargetMain: return "main";
    case wire::kTargetProcess: return "process";
    case wire::kTargetChildren: return "children";
  }
  return "default";
}

// A program's file name for target=exe:NAME: what /proc/PID/exe ends with.
bool program_name(std::string_view s) {
  if (s.empty() || s.size() >= wire::kTargetNameLen) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '+'))
      return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  SpecResult run() {
    SpecResult r;
    if (parse(r.injection)) {
      r.ok = true;
      r.warning = warning_;
    } else {
      r.injection = {};
      r.error = "--inject " + quote(text_) + ": " + error_;
    }
    return r;
  }

 private:
  bool fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  bool parse(wire::Injection& inj) {
    if (text_.empty()) return fail("empty spec (want SIGNAL@POINT[,KEY=VALUE...], e.g. USR1@call:read)");
    if (text_.size() >= wire::kSpecTextLen)
      return fail("spec too long (" + std::to_string(text_.size()) + " characters, at most " +
                  std::to_string(wire::kSpecTextLen - 1) + ")");
    std::memcpy(inj.text, text_.data(), text_.size());
    inj.text[text_.size()] = '\0';

    const size_t at = text_.find('@');
    if (at == std::string_view::npos)
      return fail("missing '@POINT' after " + quote(text_) + " (want SIGNAL@POINT, e.g. USR1@call:read)");
    const std::string_view sig = text_.substr(0, at);
    if (sig.empty()) return fail("missing signal before '@' (want e.g. USR1, SIGTERM, 10, RTMIN+2)");
    auto signo = parse_signal(sig);
    if (!signo) return fail("unknown signal " + quote(sig) + " (see kill -l)");
    inj.signal = *signo;

    const auto parts = split(text_.substr(at + 1), ',');
    if (!parse_point(parts[0], inj)) return false;
    inj.when_first = 1;
    inj.when_last = 0;
    inj.when_step = 1;
    inj.when_plus = 1;
    inj.p_scaled = kProbabilityOne;
    inj.target = wire::kTargetDefault;
    inj.mode = wire::kModeSignal;
    inj.max = 0;
    inj.from = inj.point == wire::kPointEvery ? wire::kFromHandler : wire::kFromStart;
    inj.flags = 0;

    std::string_view target_kv, mode_kv, from_kv;  // for the checks that span keys
    std::vector<std::string_view> seen;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string_view kv = parts[i];
      if (kv.empty()) return fail("empty KEY=VALUE after ','");
      const size_t eq = kv.find('=');
      if (eq == std::string_view::npos)
        return fail("expected KEY=VALUE, at " + quote(kv));
      const std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
      for (auto k : seen)
        if (k == key) return fail("key '" + std::string(key) + "' given twice, at " + quote(kv));
      seen.push_back(key);
      if (value.empty() &&
          (key == "when" || key == "p" || key == "target" || key == "mode" || key == "max" || key == "from"))
        return fail("missing value, at " + quote(kv));
      if (key == "when") {
        When w;
        if (auto e = parse_when(value, w); !e.empty()) return fail(e);
        inj.when_first = w.first;
        inj.when_last = w.last;
        inj.when_step = w.step;
        inj.when_plus = w.plus ? 1 : 0;
      } else if (key == "p") {
        auto p = parse_probability(value);
        if (!p) return fail("bad probability p=" + quote(value) + " (want a decimal from 0 to 1, e.g. 0.25)");
        inj.p_scaled = *p;
      } else if (key == "target") {
        if (value == "self") inj.target = wire::kTargetSelf;
        else if (value == "main") inj.target = wire::kTargetMain;
        else if (value == "process") inj.target = wire::kTargetProcess;
        else if (value == "children") inj.target = wire::kTargetChildren;
        else if (value.starts_with("exe:")) {
          const std::string_view name = value.substr(4);
          if (!program_name(name))
            return fail("target=" + quote(value) + ": want exe:NAME, NAME a program's file name (e.g. exe:nginx)");
          inj.target = wire::kTargetNamed;
          std::memcpy(inj.target_name, name.data(), name.size());
          inj.target_name[name.size()] = 0;
        } else {
          return fail("unknown target=" + quote(value) + " (want self, main, process, children or exe:NAME)");
        }
        target_kv = kv;
      } else if (key == "mode") {
        if (value == "signal") inj.mode = wire::kModeSignal;
        else if (value == "eintr") inj.mode = wire::kModeEintr;
        else return fail("unknown mode=" + quote(value) + " (want signal or eintr)");
        mode_kv = kv;
      } else if (key == "max") {
        auto n = parse_u64(value);
        if (!n || *n == 0) return fail("bad max=" + quote(value) + " (want an integer of at least 1)");
        inj.max = *n;
      } else if (key == "from") {
        if (value == "start") inj.from = wire::kFromStart;
        else if (value == "handler") inj.from = wire::kFromHandler;
        else return fail("unknown from=" + quote(value) + " (want start or handler)");
        from_kv = kv;
      } else {
        return fail("unknown key " + quote(key) + " (want when, p, target, mode, max or from), at " + quote(kv));
      }
    }

    const bool timed = inj.point == wire::kPointAfter || inj.point == wire::kPointEvery;
    if (!timed && !from_kv.empty())
      return fail("from= says when an after: or every: clock starts; " + quote(parts[0]) + " has none, at " +
                  quote(from_kv));
    if (timed && inj.target == wire::kTargetSelf)
      return fail("target=self needs a calling thread, which " + quote(parts[0]) +
                  " has none (use target=main or target=process), at " + quote(target_kv));
    if (inj.target == wire::kTargetDefault) inj.target = default_target(inj.point);

    if (inj.mode == wire::kModeEintr) {
      if (inj.point != wire::kPointCall)
        return fail("mode=eintr needs a call: point, not " + quote(parts[0]) + ", at " + quote(mode_kv));
      if (inj.function >= 0 && !functions()[inj.function].eintr)
        return fail(quote(functions()[inj.function].name) +
                    " never fails with EINTR, so mode=eintr cannot apply (see sigstorm points), at " +
                    quote(mode_kv));
      // The call fails with EINTR on the calling thread, so that thread must
      // be the one whose handler ran.
      if (inj.target != wire::kTargetSelf)
        return fail("mode=eintr interrupts the calling thread's call and needs target=self, at " +
                    quote(target_kv));
      // Every call failing with EINTR: a loop that retries on EINTR (as
      // CPython does for every system call) would never end.
      if (is_default_when(inj) && inj.p_scaled == kProbabilityOne && inj.max == 0) {
        inj.max = wire::kEintrRetryGuard;
        inj.flags |= wire::kInjImplicitMax;
        warning_ = "--inject " + quote(text_) + ": mode=eintr fails every call of " +
                   (inj.function >= 0 ? std::string(functions()[inj.function].name) : std::string("any function")) +
                   ", so a loop that retries on EINTR never ends: sigstorm stops it after " +
                   std::to_string(wire::kEintrRetryGuard) + " firings (add when=, p= or max= to choose)";
      }
    }
    return true;
  }

  bool parse_point(std::string_view point, wire::Injection& inj) {
    if (point.empty()) return fail("missing point after '@' " + std::string(kWantPoint));
    const size_t colon = point.find(':');
    const std::string_view kind = point.substr(0, colon);
    const std::string_view arg = colon == std::string_view::npos ? "" : point.substr(colon + 1);
    if (colon == std::string_view::npos ||
        (kind != "call" && kind != "after" && kind != "every" && kind != "handler"))
      return fail("unknown point " + quote(point) + " " + std::string(kWantPoint));
    if (arg.empty()) return fail("missing argument, at " + quote(point) + " " + std::string(kWantPoint));

    if (kind == "call") {
      inj.point = wire::kPointCall;
      if (arg == "*") {
        inj.function = -1;
        return true;
      }
      auto row = function_index(arg);
      if (!row) return fail("unknown function " + quote(arg) + " (see sigstorm points)");
      inj.function = *row;
      return true;
    }
    if (kind == "handler") {
      inj.point = wire::kPointHandler;
      auto sig = parse_signal(arg);
      if (!sig) return fail("unknown signal " + quote(arg) + " (see kill -l), at " + quote(point));
      inj.handler_signal = *sig;
      return true;
    }
    inj.point = kind == "after" ? wire::kPointAfter : wire::kPointEvery;
    auto ns = parse_duration(arg);
    if (!ns) return fail("bad duration " + quote(arg) + " " + std::string(kWantDuration) + ", at " + quote(point));
    if (*ns == 0 && inj.point == wire::kPointEvery)
      return fail("the period must be more than zero, at " + quote(point));
    inj.duration_ns = *ns;
    return true;
  }

  std::string_view text_;
  std::string error_;
  std::string warning_;
};

}  // namespace

SpecResult parse_spec(std::string_view text) { return Parser(text).run(); }

std::string format_spec(const wire::Injection& inj) {
  std::string s = signal_name(inj.signal) + "@";
  switch (inj.point) {
    case wire::kPointCall:
      s += "call:";
      if (inj.function >= 0 && static_cast<size_t>(inj.function) < functions().size())
        s += functions()[inj.function].name;
      else
        s += "*";
      break;
    case wire::kPointAfter: s += "after:" + format_duration(inj.duration_ns); break;
    case wire::kPointEvery: s += "every:" + format_duration(inj.duration_ns); break;
    case wire::kPointHandler: s += "handler:" + signal_name(inj.handler_signal); break;
  }
  if (!is_default_when(inj)) s += ",when=" + format_when(inj);
  if (inj.p_scaled != kProbabilityOne) s += ",p=" + format_probability(inj.p_scaled);
  if (inj.target == wire::kTargetNamed)
    s += ",target=exe:" + std::string(inj.target_name);
  else if (inj.target != wire::kTargetDefault && inj.target != default_target(inj.point))
    s += ",target=" + std::string(target_name(inj.target));
  if (inj.mode == wire::kModeEintr) s += ",mode=eintr";
  if (inj.max != 0 && !(inj.flags & wire::kInjImplicitMax)) s += ",max=" + std::to_string(inj.max);
  const bool timed = inj.point == wire::kPointAfter || inj.point == wire::kPointEvery;
  const uint32_t default_from = inj.point == wire::kPointEvery ? wire::kFromHandler : wire::kFromStart;
  if (timed && inj.from != default_from) s += inj.from == wire::kFromHandler ? ",from=handler" : ",from=start";
  return s;
}

}  // namespace sigstorm
