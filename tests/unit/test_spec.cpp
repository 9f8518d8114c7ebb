#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <string>

#include "inject/options/functions.h"
#include "inject/options/spec.h"

namespace sigstorm {
namespace {

wire::Injection ok(std::string_view spec) {
  auto r = parse_spec(spec);
  EXPECT_TRUE(r.ok) << spec << ": " << r.error;
  EXPECT_TRUE(r.error.empty()) << r.error;
  return r.injection;
}

// The error for SPEC, checked for the shape every error shares.
std::string error(std::string_view spec) {
  auto r = parse_spec(spec);
  EXPECT_FALSE(r.ok) << spec << " was accepted";
  EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  EXPECT_EQ(r.error.rfind("--inject '", 0), 0u) << r.error;
  return r.error;
}

#define EXPECT_ERROR(spec, part)                                              \
  do {                                                                        \
    const std::string e = error(spec);                                        \
    EXPECT_NE(e.find(part), std::string::npos) << "error for " << (spec)      \
                                               << " lacks " << (part) << ": " << e; \
  } while (0)

int row(std::string_view name) { return function_index(name).value_or(-2); }

TEST(Spec, Signals) {
  EXPECT_EQ(ok("SIGUSR1@call:read").signal, SIGUSR1);
  EXPECT_EQ(ok("USR1@call:read").signal, SIGUSR1);
  EXPECT_EQ(ok("10@call:read").signal, 10);
  EXPECT_EQ(ok("SIGRTMIN+3@call:read").signal, SIGRTMIN + 3);
  EXPECT_EQ(ok("RTMIN+3@call:read").signal, SIGRTMIN + 3);
  EXPECT_EQ(ok("RTMAX-1@call:read").signal, SIGRTMAX - 1);
  EXPECT_EQ(ok("term@call:read").signal, SIGTERM);
}

TEST(Spec, CallPoint) {
  auto i = ok("USR1@call:read");
  EXPECT_EQ(i.point, wire::kPointCall);
  EXPECT_EQ(i.function, row("read"));
  EXPECT_GE(i.function, 0);
  EXPECT_EQ(ok("USR1@call:malloc").function, 0);
  EXPECT_EQ(ok("USR1@call:__printf_chk").function, row("__printf_chk"));
  auto any = ok("USR1@call:*");
  EXPECT_EQ(any.point, wire::kPointCall);
  EXPECT_EQ(any.function, -1);
}

TEST(Spec, TimedPoints) {
  auto a = ok("USR1@after:50ms");
  EXPECT_EQ(a.point, wire::kPointAfter);
  EXPECT_EQ(a.duration_ns, 50'000'000u);
  auto e = ok("HUP@every:200us");
  EXPECT_EQ(e.point, wire::kPointEvery);
  EXPECT_EQ(e.duration_ns, 200'000u);
  EXPECT_EQ(e.signal, SIGHUP);
  EXPECT_EQ(ok("USR1@after:0ns").duration_ns, 0u);  // at once
  EXPECT_EQ(ok("USR1@every:1ns").duration_ns, 1u);
  EXPECT_EQ(ok("USR1@after:2s").duration_ns, 2'000'000'000u);
  // As timeout(1): fractions, minutes, hours, and a bare number of seconds.
  EXPECT_EQ(ok("USR1@after:1.5s").duration_ns, 1'500'000'000u);
  EXPECT_EQ(ok("USR1@every:2m").duration_ns, 120'000'000'000u);
  EXPECT_EQ(ok("USR1@after:5").duration_ns, 5'000'000'000u);
}

TEST(Spec, HandlerPoint) {
  auto h = ok("USR2@handler:USR1");
  EXPECT_EQ(h.point, wire::kPointHandler);
  EXPECT_EQ(h.handler_signal, SIGUSR1);
  EXPECT_EQ(h.signal, SIGUSR2);
  EXPECT_EQ(ok("USR1@handler:SIGRTMIN+1").handler_signal, SIGRTMIN + 1);
  EXPECT_EQ(ok("USR1@handler:14").handler_signal, SIGALRM);
}

TEST(Spec, Defaults) {
  auto i = ok("USR1@call:read");
  EXPECT_STREQ(i.text, "USR1@call:read");
  EXPECT_EQ(i.when_first, 1u);
  EXPECT_EQ(i.when_last, 0u);
  EXPECT_EQ(i.when_step, 1u);
  EXPECT_EQ(i.when_plus, 1u);
  EXPECT_EQ(i.p_scaled, 0xffffffffu);
  EXPECT_EQ(i.target, wire::kTargetSelf);
  EXPECT_EQ(i.mode, wire::kModeSignal);
  EXPECT_EQ(i.max, 0u);
  EXPECT_EQ(ok("USR1@handler:USR2").target, wire::kTargetSelf);
  EXPECT_EQ(ok("USR1@after:1s").target, wire::kTargetMain);
  EXPECT_EQ(ok("USR1@every:1s").target, wire::kTargetMain);
}

TEST(Spec, WhenKey) {
  auto w = ok("USR1@call:read,when=3");
  EXPECT_EQ(w.when_first, 3u);
  EXPECT_EQ(w.when_last, 3u);
  EXPECT_EQ(w.when_plus, 0u);
  EXPECT_EQ(w.when_step, 0u);
  w = ok("USR1@call:read,when=3+");
  EXPECT_EQ(w.when_first, 3u);
  EXPECT_EQ(w.when_last, 0u);
  EXPECT_EQ(w.when_plus, 1u);
  EXPECT_EQ(w.when_step, 1u);
  w = ok("USR1@call:read,when=3+2");
  EXPECT_EQ(w.when_first, 3u);
  EXPECT_EQ(w.when_last, 0u);
  EXPECT_EQ(w.when_plus, 1u);
  EXPECT_EQ(w.when_step, 2u);
  w = ok("USR1@call:read,when=2..8");
  EXPECT_EQ(w.when_first, 2u);
  EXPECT_EQ(w.when_last, 8u);
  EXPECT_EQ(w.when_plus, 0u);
  EXPECT_EQ(w.when_step, 0u);
  w = ok("USR1@call:read,when=2..8+3");
  EXPECT_EQ(w.when_first, 2u);
  EXPECT_EQ(w.when_last, 8u);
  EXPECT_EQ(w.when_plus, 1u);
  EXPECT_EQ(w.when_step, 3u);
  w = ok("USR1@every:1ms,when=5..5");
  EXPECT_EQ(w.when_first, 5u);
  EXPECT_EQ(w.when_last, 5u);
}

TEST(Spec, ProbabilityKey) {
  EXPECT_EQ(ok("USR1@call:read,p=0.25").p_scaled, 1u << 30);
  EXPECT_EQ(ok("USR1@call:read,p=.5").p_scaled, 1u << 31);
  EXPECT_EQ(ok("USR1@call:read,p=0.5").p_scaled, 1u << 31);
  EXPECT_EQ(ok("USR1@call:read,p=1").p_scaled, 0xffffffffu);
  EXPECT_EQ(ok("USR1@call:read,p=1.0").p_scaled, 0xffffffffu);
  EXPECT_EQ(ok("USR1@call:read,p=0").p_scaled, 0u);
  EXPECT_EQ(ok("USR1@call:read,p=0.000").p_scaled, 0u);
  EXPECT_EQ(ok("USR1@call:read,p=0.1").p_scaled, 429496730u);  // round(0.1 * 2^32)
  EXPECT_EQ(ok("USR1@call:read,p=0.9999999999").p_scaled, 0xffffffffu);  // saturates
}

TEST(Spec, TargetKey) {
  EXPECT_EQ(ok("USR1@call:read,target=self").target, wire::kTargetSelf);
  EXPECT_EQ(ok("USR1@call:read,target=main").target, wire::kTargetMain);
  EXPECT_EQ(ok("USR1@call:read,target=process").target, wire::kTargetProcess);
  EXPECT_EQ(ok("USR1@after:1ms,target=main").target, wire::kTargetMain);
  EXPECT_EQ(ok("USR1@every:1ms,target=process").target, wire::kTargetProcess);
  EXPECT_EQ(ok("USR1@handler:USR2,target=process").target, wire::kTargetProcess);
  EXPECT_EQ(ok("USR1@every:1ms,target=children").target, wire::kTargetChildren);
  const wire::Injection named = ok("HUP@every:1s,target=exe:nginx");
  EXPECT_EQ(named.target, wire::kTargetNamed);
  EXPECT_STREQ(named.target_name, "nginx");
  EXPECT_EQ(format_spec(named), "SIGHUP@every:1s,target=exe:nginx");
  EXPECT_EQ(format_spec(ok("USR1@call:read,target=children")), "SIGUSR1@call:read,target=children");
  EXPECT_ERROR("USR1@every:1ms,target=exe:", "want exe:NAME");
  EXPECT_ERROR("USR1@every:1ms,target=exe:a/b", "want exe:NAME");
}

TEST(Spec, ModeKey) {
  EXPECT_EQ(ok("USR1@call:read,mode=signal").mode, wire::kModeSignal);
  EXPECT_EQ(ok("USR1@call:read,mode=eintr").mode, wire::kModeEintr);
  EXPECT_EQ(ok("USR1@call:poll,mode=eintr").mode, wire::kModeEintr);
  EXPECT_EQ(ok("USR1@call:nanosleep,mode=eintr,target=self").mode, wire::kModeEintr);
  EXPECT_EQ(ok("USR1@call:*,mode=eintr").mode, wire::kModeEintr);
  EXPECT_EQ(ok("USR1@after:1ms,mode=signal").mode, wire::kModeSignal);
  EXPECT_EQ(ok("USR1@call:malloc,mode=signal").mode, wire::kModeSignal);
}

TEST(Spec, MaxKey) {
  EXPECT_EQ(ok("USR1@call:read,max=1").max, 1u);
  EXPECT_EQ(ok("USR1@every:1ms,max=250").max, 250u);
  EXPECT_EQ(ok("USR1@call:read,max=18446744073709551615").max, 18446744073709551615u);
}

TEST(Spec, AllKeysTogetherInAnyOrder) {
  auto i = ok("SIGRTMIN+2@call:recv,max=3,mode=eintr,target=self,p=0.5,when=2..8+3");
  EXPECT_EQ(i.signal, SIGRTMIN + 2);
  EXPECT_EQ(i.function, row("recv"));
  EXPECT_EQ(i.max, 3u);
  EXPECT_EQ(i.mode, wire::kModeEintr);
  EXPECT_EQ(i.target, wire::kTargetSelf);
  EXPECT_EQ(i.p_scaled, 1u << 31);
  EXPECT_EQ(i.when_first, 2u);
  EXPECT_EQ(i.when_last, 8u);
  EXPECT_EQ(i.when_step, 3u);
}

TEST(Spec, TextLimit) {
  // "USR1@call:read,max=" is 19 characters; pad the number to the limit.
  const std::string head = "USR1@call:read,max=";
  const std::string longest = head + std::string(wire::kSpecTextLen - 1 - head.size() - 1, '0') + "1";
  ASSERT_EQ(longest.size(), wire::kSpecTextLen - 1);
  auto i = ok(longest);
  EXPECT_EQ(std::string(i.text), longest);
  EXPECT_EQ(i.max, 1u);
  EXPECT_ERROR(longest + "0", "spec too long");
  EXPECT_ERROR(std::string(1000, 'x'), "spec too long");
}

TEST(Spec, ErrorNamesTheSpecAndTheFunction) {
  EXPECT_EQ(parse_spec("USR1@call:reed").error,
            "--inject 'USR1@call:reed': unknown function 'reed' (see sigstorm points)");
  EXPECT_EQ(parse_spec("USR1@cal:read").error,
            "--inject 'USR1@cal:read': unknown point 'cal:read' (want call:FUNC, after:DUR, "
            "every:DUR or handler:SIG)");
}

TEST(Spec, SignalAndPointErrors) {
  EXPECT_ERROR("", "empty spec");
  EXPECT_ERROR("USR1", "missing '@POINT' after 'USR1'");
  EXPECT_ERROR("@call:read", "missing signal");
  EXPECT_ERROR("USR3@call:read", "unknown signal 'USR3'");
  EXPECT_ERROR("0@call:read", "unknown signal '0'");
  EXPECT_ERROR("65@call:read", "unknown signal '65'");
  EXPECT_ERROR("RTMIN+99@call:read", "unknown signal 'RTMIN+99'");
  EXPECT_ERROR("USR1@", "missing point");
  EXPECT_ERROR("USR1@read", "unknown point 'read'");
  EXPECT_ERROR("USR1@at:5ms", "unknown point 'at:5ms'");
  EXPECT_ERROR("USR1@Call:read", "unknown point 'Call:read'");
  EXPECT_ERROR("USR1@call:", "missing argument, at 'call:'");
  EXPECT_ERROR("USR1@after:", "missing argument, at 'after:'");
  EXPECT_ERROR("USR1@call:READ", "unknown function 'READ'");
  EXPECT_ERROR("USR1@call:read@x", "unknown function 'read@x'");
  EXPECT_ERROR("USR1@after:5x", "bad duration '5x'");
  EXPECT_ERROR("USR1@after:1.5ns", "bad duration '1.5ns'");
  EXPECT_ERROR("USR1@every:-1ms", "bad duration '-1ms'");
  EXPECT_ERROR("USR1@every:5 ms", "bad duration '5 ms'");
  EXPECT_ERROR("USR1@every:99999999999s", "bad duration '99999999999s'");
  EXPECT_ERROR("USR1@every:0ns", "at 'every:0ns'");
  EXPECT_ERROR("USR1@every:0s", "period must be more than zero");
  EXPECT_ERROR("USR1@handler:FOO", "unknown signal 'FOO'");
  EXPECT_ERROR("USR1@handler:", "missing argument, at 'handler:'");
}

TEST(Spec, KeyValueErrors) {
  EXPECT_ERROR("USR1@call:read,", "empty KEY=VALUE");
  EXPECT_ERROR("USR1@call:read,,max=1", "empty KEY=VALUE");
  EXPECT_ERROR("USR1@call:read,when", "expected KEY=VALUE, at 'when'");
  EXPECT_ERROR("USR1@call:read,when=", "missing value, at 'when='");
  EXPECT_ERROR("USR1@call:read,p=", "missing value, at 'p='");
  EXPECT_ERROR("USR1@call:read,foo=1", "unknown key 'foo'");
  EXPECT_ERROR("USR1@call:read,=1", "unknown key ''");
  EXPECT_ERROR("USR1@call:read,When=3", "unknown key 'When'");
  EXPECT_ERROR("USR1@call:read,when=3,when=4", "key 'when' given twice, at 'when=4'");
  EXPECT_ERROR("USR1@call:read,max=1,p=1,max=2", "key 'max' given twice, at 'max=2'");
}

TEST(Spec, WhenErrors) {
  for (auto bad : {"x", "3..", "..3", "3++", "3+2+", "-1", "3..5..7", " 3", "3 ", "3-", "+3",
                   "3..x", "3+x", "99999999999999999999999"}) {
    const std::string spec = std::string("USR1@call:read,when=") + bad;
    EXPECT_ERROR(spec, "bad when='" + std::string(bad) + "'");
  }
  EXPECT_ERROR("USR1@call:read,when=0", "when='0' counts hits from 1");
  EXPECT_ERROR("USR1@call:read,when=0+", "when='0+' counts hits from 1");
  EXPECT_ERROR("USR1@call:read,when=3..2", "when='3..2' ends before it starts");
  EXPECT_ERROR("USR1@call:read,when=3+0", "when='3+0' has STEP 0");
  EXPECT_ERROR("USR1@call:read,when=2..8+0", "when='2..8+0' has STEP 0");
}

TEST(Spec, ProbabilityErrors) {
  for (auto bad : {"1.5", "2", "-0.5", "+0.5", "abc", "1e-1", ".", "1.", "nan", "inf", "0.5.5",
                   "50%", "1.0000001", " 0.5", "0,5"}) {
    const std::string spec = std::string("USR1@call:read,p=") + bad;
    if (std::strchr(bad, ',')) {
      EXPECT_ERROR(spec, "expected KEY=VALUE, at '5'");  // the comma splits keys
      continue;
    }
    EXPECT_ERROR(spec, "bad probability p='" + std::string(bad) + "'");
  }
}

TEST(Spec, TargetModeMaxErrors) {
  EXPECT_ERROR("USR1@call:read,target=thread", "unknown target='thread'");
  EXPECT_ERROR("USR1@call:read,target=Self", "unknown target='Self'");
  EXPECT_ERROR("USR1@call:read,mode=interrupt", "unknown mode='interrupt'");
  EXPECT_ERROR("USR1@call:read,mode=EINTR", "unknown mode='EINTR'");
  for (auto bad : {"0", "-1", "x", "1.5", "+1", "99999999999999999999999"}) {
    const std::string spec = std::string("USR1@call:read,max=") + bad;
    EXPECT_ERROR(spec, "bad max='" + std::string(bad) + "'");
  }
}

TEST(Spec, CrossKeyErrors) {
  EXPECT_ERROR("USR1@after:50ms,target=self", "at 'target=self'");
  EXPECT_ERROR("USR1@every:1ms,target=self", "'every:1ms' has none");
  EXPECT_ERROR("USR1@after:50ms,mode=eintr", "mode=eintr needs a call: point, not 'after:50ms', at 'mode=eintr'");
  EXPECT_ERROR("USR1@every:1ms,mode=eintr", "not 'every:1ms'");
  EXPECT_ERROR("USR1@handler:USR2,mode=eintr", "not 'handler:USR2'");
  EXPECT_ERROR("USR1@call:malloc,mode=eintr", "'malloc' never fails with EINTR");
  EXPECT_ERROR("USR1@call:sigwait,mode=eintr", "'sigwait' never fails with EINTR");
  EXPECT_ERROR("USR1@call:close,mode=eintr", "'close' never fails with EINTR");
  EXPECT_ERROR("USR1@call:read,mode=eintr,target=main", "needs target=self, at 'target=main'");
  EXPECT_ERROR("USR1@call:read,target=process,mode=eintr", "at 'target=process'");
}

TEST(Spec, ErrorsStayOnOneLine) {
  const std::string e = error(std::string("USR1@call:re\nad"));
  EXPECT_NE(e.find("'re\\x0aad'"), std::string::npos) << e;
  EXPECT_TRUE(parse_spec("USR1@call:bogus").injection.signal == 0);  // nothing half-filled
}

TEST(Spec, FormatIsCanonical) {
  auto canon = [](std::string_view s) { return format_spec(ok(s)); };
  EXPECT_EQ(canon("USR1@call:read"), "SIGUSR1@call:read");
  EXPECT_EQ(canon("10@call:*"), "SIGUSR1@call:*");
  EXPECT_EQ(canon("HUP@after:2000ms"), "SIGHUP@after:2s");
  EXPECT_EQ(canon("HUP@every:200us,target=main"), "SIGHUP@every:200us");
  EXPECT_EQ(canon("HUP@every:200us,target=process"), "SIGHUP@every:200us,target=process");
  EXPECT_EQ(canon("USR1@handler:usr2"), "SIGUSR1@handler:SIGUSR2");
  EXPECT_EQ(canon("USR1@handler:USR2,target=self"), "SIGUSR1@handler:SIGUSR2");
  EXPECT_EQ(canon("USR1@call:read,when=3"), "SIGUSR1@call:read,when=3");
  EXPECT_EQ(canon("USR1@call:read,when=5..5"), "SIGUSR1@call:read,when=5");
  EXPECT_EQ(canon("USR1@call:read,when=3+"), "SIGUSR1@call:read,when=3+");
  EXPECT_EQ(canon("USR1@call:read,when=3+1"), "SIGUSR1@call:read,when=3+");
  EXPECT_EQ(canon("USR1@call:read,when=3+2"), "SIGUSR1@call:read,when=3+2");
  EXPECT_EQ(canon("USR1@call:read,when=2..8"), "SIGUSR1@call:read,when=2..8");
  EXPECT_EQ(canon("USR1@call:read,when=2..8+3"), "SIGUSR1@call:read,when=2..8+3");
  EXPECT_EQ(canon("USR1@call:read,when=1+"), "SIGUSR1@call:read");
  EXPECT_EQ(canon("USR1@call:read,p=1"), "SIGUSR1@call:read");
  EXPECT_EQ(canon("USR1@call:read,p=.5"), "SIGUSR1@call:read,p=0.5");
  EXPECT_EQ(canon("USR1@call:read,p=0.1"), "SIGUSR1@call:read,p=0.1");
  EXPECT_EQ(canon("USR1@call:read,p=0.333"), "SIGUSR1@call:read,p=0.333");
  EXPECT_EQ(canon("USR1@call:read,p=0"), "SIGUSR1@call:read,p=0");
  EXPECT_EQ(canon("USR1@call:read,mode=signal"), "SIGUSR1@call:read");
  EXPECT_EQ(canon("RTMIN+2@call:recv,max=3,mode=eintr,target=self,p=0.25,when=2..8+3"),
            "SIGRTMIN+2@call:recv,when=2..8+3,p=0.25,mode=eintr,max=3");
}

TEST(Spec, FormatRoundTrips) {
  for (auto spec : {"USR1@call:read", "RTMAX-3@call:*,when=4+2,p=0.7,max=9",
                    "TERM@every:1500us,target=process,when=2..8", "USR2@handler:USR1,target=main",
                    "USR1@call:poll,mode=eintr,p=0.01,when=7", "ALRM@after:0ns"}) {
    auto a = ok(spec);
    const std::string canonical = format_spec(a);
    auto b = ok(canonical);
    EXPECT_EQ(format_spec(b), canonical);
    std::memset(a.text, 0, sizeof a.text);
    std::memset(b.text, 0, sizeof b.text);
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << spec << " -> " << canonical;
  }
}

}  // namespace
}  // namespace sigstorm
