// inject/fuzz/schedule.h: fuzz inputs -> schedules (in-process harness), the
// whole-program generator, minimization and the reproducer line.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "inject/options/functions.h"
#include "inject/fuzz/schedule.h"
#include "inject/options/shell_quote.h"
#include "inject/options/spec.h"

using namespace sigstorm;

namespace {

std::string text(const wire::Injection& inj) { return inj.text; }

std::vector<std::string> texts(const Schedule& s) {
  std::vector<std::string> out;
  for (const auto& i : s) out.push_back(text(i));
  return out;
}

// Every injection is exactly what --inject would make of its own text.
void expect_canonical(const wire::Injection& inj) {
  const SpecResult r = parse_spec(inj.text);
  ASSERT_TRUE(r.ok) << inj.text << ": " << r.error;
  EXPECT_EQ(format_spec(r.injection), format_spec(inj)) << inj.text;
  EXPECT_EQ(r.injection.when_first, inj.when_first) << inj.text;
  EXPECT_EQ(r.injection.target, inj.target) << inj.text;
  EXPECT_EQ(r.injection.mode, inj.mode) << inj.text;
}

int row(std::string_view name) { return function_index(name).value(); }

}  // namespace

TEST(FuzzSchedule, InjectionsFireOnceAndAreCanonical) {
  const auto a = call_injection(SIGUSR1, row("write"), 5);
  EXPECT_EQ(text(a), "SIGUSR1@call:write,when=5");
  expect_canonical(a);
  // when=1 stays explicit: without it a spec fires at every hit.
  EXPECT_EQ(text(call_injection(SIGUSR1, row("read"), 1)), "SIGUSR1@call:read,when=1");
  EXPECT_EQ(text(call_injection(SIGHUP, -1, 3, wire::kTargetMain)), "SIGHUP@call:*,when=3,target=main");
  // mode=eintr implies the calling thread, as the grammar requires.
  const auto e = call_injection(SIGINT, row("read"), 2, wire::kTargetMain, wire::kModeEintr);
  EXPECT_EQ(text(e), "SIGINT@call:read,when=2,mode=eintr");
  expect_canonical(e);
  const auto h = handler_injection(SIGUSR2, SIGUSR1, 2);
  EXPECT_EQ(text(h), "SIGUSR2@handler:SIGUSR1,when=2");
  expect_canonical(h);
}

TEST(FuzzSchedule, DecodeIsAPureFunctionOfTheBytes) {
  DecodeOptions o;
  o.signals = {SIGUSR1, SIGHUP};
  const std::vector<uint8_t> input = {2, 1, 0, 7, 0, 0, 3, 1, 2, 'x', 'y'};
  const Decoded a = decode_schedule(input, o);
  const Decoded b = decode_schedule(input, o);
  EXPECT_EQ(texts(a.schedule), texts(b.schedule));
  ASSERT_EQ(a.schedule.size(), 2u);
  EXPECT_EQ(a.consumed, 9u);  // 1 + 2 * 4: the scenario gets "xy"
  EXPECT_EQ(text(a.schedule[0]), "SIGHUP@call:*,when=8");
  EXPECT_EQ(text(a.schedule[1]), "SIGUSR1@handler:SIGHUP,when=3");
  for (const auto& inj : a.schedule) expect_canonical(inj);
}

TEST(FuzzSchedule, DecodeBitsAndShortInputs) {
  DecodeOptions o;
  o.signals = {SIGUSR1};
  // target=main, then mode=eintr (which takes the calling thread), wide range.
  EXPECT_EQ(texts(decode_schedule(std::vector<uint8_t>{1, 0, 4, 9, 0}, o).schedule),
            std::vector<std::string>{"SIGUSR1@call:*,when=10,target=main"});
  EXPECT_EQ(texts(decode_schedule(std::vector<uint8_t>{1, 0, 8 | 4, 9, 0}, o).schedule),
            std::vector<std::string>{"SIGUSR1@call:*,when=10,mode=eintr"});
  EXPECT_EQ(texts(decode_schedule(std::vector<uint8_t>{1, 0, 16, 0x10, 0x02}, o).schedule),
            std::vector<std::string>{"SIGUSR1@call:*,when=529"});  // 1 + 0x0210 % 4096
  o.eintr = false;
  EXPECT_EQ(texts(decode_schedule(std::vector<uint8_t>{1, 0, 8, 0, 0}, o).schedule),
            std::vector<std::string>{"SIGUSR1@call:*,when=1"});
  // Missing bytes are zeros; nothing at all is no schedule.
  EXPECT_EQ(texts(decode_schedule(std::vector<uint8_t>{1}, o).schedule),
            std::vector<std::string>{"SIGUSR1@call:*,when=1"});
  EXPECT_TRUE(decode_schedule(std::vector<uint8_t>{}, o).schedule.empty());
  EXPECT_EQ(decode_schedule(std::vector<uint8_t>{0, 5, 5}, o).consumed, 1u);
  // At most max_injections; no signals: nothing injected.
  o.max_injections = 1;
  EXPECT_LE(decode_schedule(std::vector<uint8_t>(64, 0xff), o).schedule.size(), 1u);
  o.signals.clear();
  EXPECT_TRUE(decode_schedule(std::vector<uint8_t>(64, 0xff), o).schedule.empty());
}

TEST(FuzzSchedule, EveryInputDecodesToValidSpecs) {
  DecodeOptions o;
  o.signals = {SIGUSR1, SIGUSR2, SIGRTMIN + 2};
  std::vector<uint8_t> input(13);
  for (int seed = 0; seed < 2000; ++seed) {
    uint32_t x = static_cast<uint32_t>(seed) * 2654435761u;
    for (auto& b : input) b = static_cast<uint8_t>(x = x * 1103515245u + 12345u) ;
    for (const auto& inj : decode_schedule(input, o).schedule) expect_canonical(inj);
  }
}

TEST(FuzzSchedule, GeneratorDrawsFromReachedPoints) {
  ScheduleGen gen(42, {SIGUSR1, SIGTERM});
  EXPECT_TRUE(gen.learn(row("write"), 20));
  EXPECT_TRUE(gen.learn(row("read"), 3));
  EXPECT_FALSE(gen.learn(row("read"), 2)) << "fewer hits than known teach nothing";
  EXPECT_TRUE(gen.learn(row("read"), 9));
  EXPECT_FALSE(gen.learn(row("read"), 0));
  ASSERT_EQ(gen.points().size(), 2u);
  std::set<std::string> seen;
  Schedule prev = gen.random();
  for (int i = 0; i < 500; ++i) {
    Schedule s = i % 2 ? gen.random() : gen.mutate(prev, &prev);
    ASSERT_FALSE(s.empty());
    ASSERT_LE(s.size(), 4u);
    for (const auto& inj : s) {
      expect_canonical(inj);
      EXPECT_TRUE(inj.signal == SIGUSR1 || inj.signal == SIGTERM) << inj.text;
      if (inj.point == wire::kPointCall) {
        EXPECT_TRUE(inj.function == row("write") || inj.function == row("read")) << inj.text;
        EXPECT_GE(inj.when_first, 1u);
        EXPECT_LE(inj.when_first, 30u) << inj.text;
        if (inj.mode == wire::kModeEintr) {
          EXPECT_TRUE(functions()[inj.function].eintr) << inj.text;
        }
      }
      seen.insert(inj.text);
    }
    prev = s;
  }
  EXPECT_GT(seen.size(), 40u) << "the generator explores";
  // Same seed, same schedules.
  ScheduleGen a(7, {SIGUSR1}), b(7, {SIGUSR1});
  a.learn(row("write"), 5);
  b.learn(row("write"), 5);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(texts(a.random()), texts(b.random()));
}

TEST(FuzzSchedule, GeneratorWithoutSignalsMakesNothing) {
  ScheduleGen gen(1, {});
  gen.learn(row("write"), 5);
  EXPECT_TRUE(gen.random().empty());
  gen.add_signal(SIGUSR1);
  gen.add_signal(SIGUSR1);
  EXPECT_EQ(gen.signals().size(), 1u);
  EXPECT_FALSE(gen.random().empty());
}

TEST(FuzzSchedule, MinimizeDropsAndSimplifies) {
  // The "bug" needs SIGUSR1 at write (any hit, any mode or target).
  const int write = row("write");
  auto bug = [&](const Schedule& s) {
    for (const auto& i : s)
      if (i.signal == SIGUSR1 && i.point == wire::kPointCall && i.function == write) return true;
    return false;
  };
  Schedule s = {call_injection(SIGUSR2, row("read"), 4), call_injection(SIGUSR1, write, 7, wire::kTargetProcess),
                handler_injection(SIGUSR2, SIGUSR1, 2), call_injection(SIGUSR1, write, 3, wire::kTargetDefault, wire::kModeEintr)};
  int calls = 0;
  const Schedule m = minimize(s, [&](const Schedule& c) { ++calls; return bug(c); });
  ASSERT_EQ(m.size(), 1u) << testing::PrintToString(texts(m));
  EXPECT_EQ(text(m[0]), "SIGUSR1@call:write,when=1");
  EXPECT_LE(calls, 64);
  // A predicate that never holds leaves it alone; the budget is kept.
  calls = 0;
  const Schedule same = minimize(s, [&](const Schedule&) { ++calls; return false; }, 5);
  EXPECT_EQ(texts(same), texts(s));
  EXPECT_LE(calls, 5);
}

TEST(FuzzSchedule, MinimizeTriesOneInjectionAtNearbyHits) {
  // Each handler run makes one write, which counts as a hit: with two
  // injections at write 1, the third lands on the program's 5th write at
  // hit 7. Alone, the same point needs when=5.
  const int write = row("write");
  auto program_write_hit = [&](const Schedule& s) {
    uint64_t handlers_before = 0, target = 0;
    for (const auto& i : s) {
      if (i.function != write) continue;
      if (i.when_first == 1) ++handlers_before;
      else target = i.when_first;
    }
    if (s.size() == 1) return s[0].function == write && s[0].when_first == 5;
    return target != 0 && target - handlers_before == 5;
  };
  const Schedule s = {call_injection(SIGUSR1, write, 7), call_injection(SIGUSR1, write, 1, wire::kTargetProcess),
                      call_injection(SIGUSR1, write, 1, wire::kTargetProcess)};
  ASSERT_TRUE(program_write_hit(s));
  const Schedule m = minimize(s, program_write_hit);
  EXPECT_EQ(texts(m), std::vector<std::string>{"SIGUSR1@call:write,when=5"});
}

TEST(FuzzSchedule, ReproducerLineIsOneShellLine) {
  const Schedule s = {call_injection(SIGUSR1, row("write"), 5)};
  EXPECT_EQ(reproducer_line(7, {}, s, {"./prog", "a b", "it's"}),
            "sigstorm run --seed 7 --inject SIGUSR1@call:write,when=5 -- ./prog 'a b' 'it'\\''s'");
  EXPECT_EQ(reproducer_line(1, {"--policy", "linux"}, {}, {"/bin/x"}), "sigstorm run --seed 1 --policy linux -- /bin/x");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("SIGUSR1@call:*,when=2"), "'SIGUSR1@call:*,when=2'");
}
