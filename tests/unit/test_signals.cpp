#include <gtest/gtest.h>

#include <csignal>

#include "inject/options/signals.h"

namespace sigstorm {
namespace {

TEST(Signals, NamesWithAndWithoutPrefix) {
  EXPECT_EQ(parse_signal("SIGUSR1"), SIGUSR1);
  EXPECT_EQ(parse_signal("USR1"), SIGUSR1);
  EXPECT_EQ(parse_signal("usr1"), SIGUSR1);
  EXPECT_EQ(parse_signal("sigusr2"), SIGUSR2);
  EXPECT_EQ(parse_signal("SIGHUP"), 1);
  EXPECT_EQ(parse_signal("TERM"), 15);
  EXPECT_EQ(parse_signal("SIGSYS"), 31);
  EXPECT_EQ(parse_signal("SIGSTKFLT"), 16);
  EXPECT_EQ(parse_signal("WINCH"), SIGWINCH);
}

TEST(Signals, Aliases) {
  EXPECT_EQ(parse_signal("SIGIOT"), SIGABRT);
  EXPECT_EQ(parse_signal("POLL"), SIGIO);
  EXPECT_EQ(parse_signal("SIGCLD"), SIGCHLD);
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
  EXPECT_EQ(signal_name(SIGIO), "SIGIO");
  EXPECT_EQ(signal_name(SIGCHLD), "SIGCHLD");
}

TEST(Signals, Numbers) {
  EXPECT_EQ(parse_signal("10"), 10);
  EXPECT_EQ(parse_signal("1"), 1);
  EXPECT_EQ(parse_signal("64"), SIGRTMAX);
  EXPECT_EQ(parse_signal(std::to_string(SIGRTMAX)), SIGRTMAX);
  EXPECT_EQ(parse_signal("0"), std::nullopt);
  EXPECT_EQ(parse_signal("-1"), std::nullopt);
  EXPECT_EQ(parse_signal("+10"), std::nullopt);
  EXPECT_EQ(parse_signal(std::to_string(SIGRTMAX + 1)), std::nullopt);
  EXPECT_EQ(parse_signal("99999999999"), std::nullopt);
  EXPECT_EQ(parse_signal("10x"), std::nullopt);
  EXPECT_EQ(parse_signal(" 10"), std::nullopt);
}

TEST(Signals, RealTime) {
  EXPECT_EQ(SIGRTMIN, 34);  // glibc keeps 32 and 33 for itself
  EXPECT_EQ(parse_signal("SIGRTMIN"), SIGRTMIN);
  EXPECT_EQ(parse_signal("RTMIN"), SIGRTMIN);
  EXPECT_EQ(parse_signal("RTMAX"), SIGRTMAX);
  EXPECT_EQ(parse_signal("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(parse_signal("RTMIN+3"), 37);
  EXPECT_EQ(parse_signal("rtmin+3"), 37);
  EXPECT_EQ(parse_signal("RTMIN+0"), SIGRTMIN);
  EXPECT_EQ(parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
  EXPECT_EQ(parse_signal("RTMAX-2"), 62);
  EXPECT_EQ(parse_signal("RTMIN+30"), SIGRTMAX);
  EXPECT_EQ(parse_signal("RTMAX-30"), SIGRTMIN);
  EXPECT_EQ(parse_signal("SIGRTMIN+31"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMIN+99"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMAX-31"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMIN-1"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMAX+1"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMIN+"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMIN+x"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMIN+-1"), std::nullopt);
}

TEST(Signals, Garbage) {
  for (auto s : {"", "SIG", "USR", "SIGUSR3", "SIGSIGUSR1", "FOO", "USR1 ", "SIG USR1", "@", "SIGRT"})
    EXPECT_EQ(parse_signal(s), std::nullopt) << "'" << s << "'";
}

TEST(Signals, Names) {
  EXPECT_EQ(signal_name(SIGUSR1), "SIGUSR1");
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(signal_name(SIGRTMAX), "SIGRTMAX");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(signal_name(49), "SIGRTMIN+15");  // bash's kill -l splits here
  EXPECT_EQ(signal_name(50), "SIGRTMAX-14");
  EXPECT_EQ(signal_name(SIGRTMAX - 1), "SIGRTMAX-1");
  EXPECT_EQ(signal_name(32), "SIG32");
  EXPECT_EQ(signal_name(0), "SIG0");
  EXPECT_EQ(signal_name(99), "SIG99");
}

TEST(Signals, NamesRoundTrip) {
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    if (sig > SIGSYS && sig < SIGRTMIN) continue;  // glibc's reserved, unnamed
    EXPECT_EQ(parse_signal(signal_name(sig)), sig) << signal_name(sig);
  }
}

}  // namespace
}  // namespace sigstorm

TEST(Signals, EveryNumberRoundTripsThroughItsName) {
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    auto back = sigstorm::parse_signal(sigstorm::signal_name(sig));
    ASSERT_TRUE(back.has_value()) << sigstorm::signal_name(sig);
    EXPECT_EQ(*back, sig) << sigstorm::signal_name(sig);
  }
}
