#include "inject/fuzz/schedule.h"

#include "inject/options/replay.h"

#include <algorithm>

#include "inject/error.h"
#include "inject/options/functions.h"
#include "inject/options/shell_quote.h"
#include "inject/options/signals.h"
#include "inject/options/spec.h"

namespace sigstorm {
namespace {

wire::Injection parsed(const std::string& text) {
  SpecResult r = parse_spec(text);
  if (!r.ok) throw Error(r.error);
  return r.injection;
}

std::string suffix(wire::Target target, wire::Mode mode) {
  std::string s;
  if (target == wire::kTargetSelf) s += ",target=self";
  if (target == wire::kTargetMain) s += ",target=main";
  if (target == wire::kTargetProcess) s += ",target=process";
  if (mode == wire::kModeEintr) s += ",mode=eintr";
  return s;
}

// Always explicit: a spec without when= fires at every hit (1+), and a
// handler's own calls would then keep re-arming a signal storm.
std::string when_text(uint64_t hit) { return ",when=" + std::to_string(hit ? hit : 1); }

bool can_eintr(int function) {
  return function >= 0 && static_cast<size_t>(function) < functions().size() && functions()[function].eintr;
}

// Rebuilds an injection from edited parts (keeps it canonical).
wire::Injection rebuilt(const wire::Injection& in, uint64_t hit, wire::Target target, wire::Mode mode) {
  if (in.point == wire::kPointHandler) return handler_injection(in.signal, in.handler_signal, hit, target);
  return call_injection(in.signal, in.function, hit, target, can_eintr(in.function) || in.function < 0 ? mode : wire::kModeSignal);
}

}  // namespace

wire::Injection call_injection(int signal, int function, uint64_t hit, wire::Target target, wire::Mode mode) {
  // mode=eintr interrupts the caller's own call: it implies target=self.
  if (mode == wire::kModeEintr) target = wire::kTargetDefault;
  std::string name = "*";
  if (function >= 0 && static_cast<size_t>(function) < functions().size())
    name = std::string(functions()[function].name);
  return parsed(signal_name(signal) + "@call:" + name + when_text(hit) +
                suffix(target == wire::kTargetSelf ? wire::kTargetDefault : target, mode));
}

wire::Injection handler_injection(int signal, int handler_signal, uint64_t hit, wire::Target target) {
  return parsed(signal_name(signal) + "@handler:" + signal_name(handler_signal) + when_text(hit) +
                suffix(target == wire::kTargetSelf ? wire::kTargetDefault : target, wire::kModeSignal));
}

// ---- in-process ----

Decoded decode_schedule(std::span<const uint8_t> data, const DecodeOptions& o) {
  Decoded d;
  auto byte = [&](size_t i) -> uint8_t { return i < data.size() ? data[i] : 0; };
  if (data.empty()) return d;
  d.consumed = 1;
  const unsigned max = std::min<unsigned>(o.max_injections, wire::kMaxInjections);
  const unsigned n = byte(0) % (max + 1);
  if (o.signals.empty()) return d;
  const size_t nsig = o.signals.size();
  for (unsigned k = 0; k < n; ++k) {
    const size_t at = 1 + 4 * static_cast<size_t>(k);
    const uint8_t b0 = byte(at), b1 = byte(at + 1), b2 = byte(at + 2), b3 = byte(at + 3);
    const int sig = o.signals[b0 % nsig];
    const wire::Target target = (b1 & 4) ? wire::kTargetMain : wire::kTargetDefault;
    if ((b1 & 3) == 3) {
      d.schedule.push_back(handler_injection(sig, o.signals[b2 % nsig], 1 + b3 % 4, target));
    } else {
      const unsigned v = b2 | (unsigned)b3 << 8;
      const uint64_t hit = 1 + v % ((b1 & 16) ? 4096u : 64u);
      const wire::Mode mode = (o.eintr && (b1 & 8)) ? wire::kModeEintr : wire::kModeSignal;
      d.schedule.push_back(call_injection(sig, -1, hit, target, mode));
    }
  }
  d.consumed = std::min(data.size(), 1 + 4 * static_cast<size_t>(n));
  return d;
}

// ---- whole program ----

ScheduleGen::ScheduleGen(uint64_t seed, std::vector<int> signals) : rng_(seed), signals_(std::move(signals)) {}

uint64_t ScheduleGen::next(uint64_t bound) { return bound <= 1 ? 0 : rng_() % bound; }

bool ScheduleGen::learn(int function, uint64_t hits) {
  if (hits == 0 || function < 0 || static_cast<size_t>(function) >= functions().size()) return false;
  for (ReachedPoint& p : points_) {
    if (p.function != function) continue;
    if (hits <= p.hits) return false;
    p.hits = hits;
    return true;
  }
  points_.push_back({function, hits});
  return true;
}

void ScheduleGen::add_signal(int sig) {
  if (std::find(signals_.begin(), signals_.end(), sig) == signals_.end()) signals_.push_back(sig);
}

wire::Injection ScheduleGen::random_injection() {
  const int sig = signals_[next(signals_.size())];
  if (points_.empty() || next(100) < 12) {
    return handler_injection(sig, signals_[next(signals_.size())], 1 + next(3),
                             next(4) == 0 ? wire::kTargetMain : wire::kTargetDefault);
  }
  const ReachedPoint& p = points_[next(points_.size())];
  // Early hits are where start-up races live; keep some bias toward them.
  uint64_t hit = next(3) == 0 ? 1 + next(std::min<uint64_t>(p.hits, 8)) : 1 + next(p.hits);
  const uint64_t t = next(10);
  const wire::Target target = t < 7 ? wire::kTargetDefault : t < 9 ? wire::kTargetMain : wire::kTargetProcess;
  const wire::Mode mode = can_eintr(p.function) && next(2) ? wire::kModeEintr : wire::kModeSignal;
  return call_injection(sig, p.function, hit, target, mode);
}

Schedule ScheduleGen::random() {
  Schedule s;
  if (signals_.empty()) return s;
  const uint64_t r = next(10);
  const size_t n = r < 6 ? 1 : r < 9 ? 2 : 3;
  for (size_t i = 0; i < n; ++i) s.push_back(random_injection());
  return s;
}

Schedule ScheduleGen::mutate(const Schedule& in, const Schedule* other) {
  if (signals_.empty()) return in;
  Schedule s = in;
  if (s.empty()) return random();
  const size_t i = next(s.size());
  wire::Injection& x = s[i];
  const uint64_t hit = x.when_first ? x.when_first : 1;
  switch (next(9)) {
    case 0: {  // a neighbouring hit
      const uint64_t delta = 1 + next(3);
      const uint64_t h = next(2) ? hit + delta : (hit > delta ? hit - delta : 1);
      x = rebuilt(x, h, static_cast<wire::Target>(x.target), static_cast<wire::Mode>(x.mode));
      break;
    }
    case 1: {  // any hit of the same point
      uint64_t bound = 1;
      for (const ReachedPoint& p : points_)
        if (p.function == x.function) bound = p.hits;
      if (x.point == wire::kPointHandler) bound = 3;
      x = rebuilt(x, 1 + next(bound), static_cast<wire::Target>(x.target), static_cast<wire::Mode>(x.mode));
      break;
    }
    case 2:  // another signal
      x.signal = signals_[next(signals_.size())];
      x = rebuilt(x, hit, static_cast<wire::Target>(x.target), static_cast<wire::Mode>(x.mode));
      break;
    case 3: {  // another target
      const wire::Target targets[] = {wire::kTargetDefault, wire::kTargetMain, wire::kTargetProcess};
      x = rebuilt(x, hit, targets[next(3)], static_cast<wire::Mode>(x.mode));
      break;
    }
    case 4:  // the other mode
      x = rebuilt(x, hit, static_cast<wire::Target>(x.target),
                  x.mode == wire::kModeEintr ? wire::kModeSignal : wire::kModeEintr);
      break;
    case 5:  // a fresh injection in its place
      x = random_injection();
      break;
    case 6:  // one more
      if (s.size() < 4) s.push_back(random_injection());
      else x = random_injection();
      break;
    case 7:  // one less
      if (s.size() > 1) s.erase(s.begin() + static_cast<std::ptrdiff_t>(i));
      else x = random_injection();
      break;
    default:  // splice
      if (other && !other->empty() && s.size() < 4) s.push_back((*other)[next(other->size())]);
      else x = random_injection();
      break;
  }
  return s;
}

// ---- minimizing ----

Schedule minimize(Schedule s, const std::function<bool(const Schedule&)>& reproduces, int budget) {
  int spent = 0;
  auto check = [&](const Schedule& c) {
    if (spent >= budget) return false;
    ++spent;
    return reproduces(c);
  };
  // 1. Fewer injections: drop one at a time while it still reproduces.
  for (bool changed = true; changed && s.size() > 1;) {
    changed = false;
    for (size_t i = 0; i < s.size() && s.size() > 1; ++i) {
      Schedule c = s;
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(i));
      if (check(c)) {
        s = std::move(c);
        changed = true;
        break;
      }
    }
  }
  // 1b. Still several: the handler's own calls count as hits too, so one
  // injection alone may need a nearby hit to land where the several did.
  if (s.size() > 1) {
    const int reach = static_cast<int>(2 * s.size());
    bool done = false;
    for (size_t i = 0; i < s.size() && !done; ++i) {
      const uint64_t hit = s[i].when_first ? s[i].when_first : 1;
      for (int d = 0; d <= 2 * reach && !done; ++d) {
        const int64_t delta = d % 2 ? (d + 1) / 2 : -(d / 2);  // 0, +1, -1, +2, -2, ...
        if (static_cast<int64_t>(hit) + delta < 1) continue;
        const Schedule c = {rebuilt(s[i], static_cast<uint64_t>(static_cast<int64_t>(hit) + delta),
                                    static_cast<wire::Target>(s[i].target), static_cast<wire::Mode>(s[i].mode))};
        if (check(c)) {
          s = c;
          done = true;
        }
      }
    }
  }
  // 2. Simpler injections: default target, mode=signal, earlier hits.
  for (size_t i = 0; i < s.size(); ++i) {
    auto attempt = [&](const wire::Injection& repl) {
      if (std::string(repl.text) == std::string(s[i].text)) return;
      Schedule c = s;
      c[i] = repl;
      if (check(c)) s = std::move(c);
    };
    auto parts = [&] {
      const wire::Injection& x = s[i];
      return std::tuple{x.when_first ? x.when_first : 1, static_cast<wire::Target>(x.target),
                        static_cast<wire::Mode>(x.mode)};
    };
    {
      auto [hit, target, mode] = parts();
      if (target != wire::kTargetDefault && target != wire::kTargetSelf)
        attempt(rebuilt(s[i], hit, wire::kTargetDefault, mode));
    }
    {
      auto [hit, target, mode] = parts();
      if (mode == wire::kModeEintr) attempt(rebuilt(s[i], hit, target, wire::kModeSignal));
    }
    {
      auto [hit, target, mode] = parts();
      if (hit > 1) attempt(rebuilt(s[i], 1, target, mode));
    }
  }
  return s;
}

// ---- printing ----


std::string reproducer_line(uint64_t seed, const std::vector<std::string>& extra, const Schedule& schedule,
                            const std::vector<std::string>& argv) {
  std::vector<std::string> specs;
  for (const wire::Injection& inj : schedule) specs.emplace_back(inj.text);
  return replay_line(seed, extra, specs, argv);
}

}  // namespace sigstorm
