// Real programs under `sigstorm run`: the same stdout and exit status as
// bare, and no findings.
#include <gtest/gtest.h>

#include <unistd.h>

#include "harness.h"

using namespace e2e;

namespace {


// Same stdout and status, no findings. (stderr is compared by the caller when
// it is deterministic.)
Comparison expect_same(const std::vector<std::string>& argv, const RunOptions& o = {}) {
  auto c = run_both(argv, o);
  EXPECT_FALSE(c.bare.timed_out) << c.bare.describe();
  expect_same_exit(c.bare, c.storm, false);
  EXPECT_EQ(c.storm.result.out.size(), c.bare.out.size());
  EXPECT_TRUE(c.storm.result.out == c.bare.out) << "stdout differs under sigstorm";
  EXPECT_TRUE(c.storm.report_ok && c.storm.findings().empty()) << c.storm.describe();
  return c;
}

std::string numbers(int n) {
  std::string s;
  unsigned x = 12345;
  for (int i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s += std::to_string(x % 100000) + "\n";
  }
  return s;
}

}  // namespace

TEST(RealPrograms, BashScript) {
  REQUIRE_SIGSTORM();
  const char* script =
      "trap 'echo trapped USR1' USR1\n"
      "kill -USR1 $$\n"
      "for i in 1 2 3; do echo \"line $i\"; done\n"
      "x=$(echo from a subshell); echo \"$x\"\n"
      "seq 1 2000 | sort -rn | head -n 2\n"
      "( exit 4 ); echo \"subshell said $?\"\n"
      "echo to stderr >&2\n"
      "exit 3\n";
  auto c = expect_same({"bash", "-c", script});
  EXPECT_EQ(c.bare.shell_status(), 3);
  EXPECT_NE(c.bare.out.find("trapped USR1"), std::string::npos) << c.bare.out;
  EXPECT_EQ(c.storm.result.err, c.bare.err);
}

TEST(RealPrograms, Python) {
  REQUIRE_SIGSTORM();
  const char* code =
      "import os, signal, sys\n"
      "got = []\n"
      "signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))\n"
      "for _ in range(3): os.kill(os.getpid(), signal.SIGUSR1)\n"
      "print('handled', len(got), 'signals')\n"
      "print(sum(i * i for i in range(10000)))\n"
      "print(sorted(['pear', 'apple', 'fig']))\n"
      "sys.exit(4)\n";
  auto c = expect_same({python(), "-c", code});
  EXPECT_EQ(c.bare.shell_status(), 4) << c.bare.describe();
  EXPECT_NE(c.bare.out.find("handled 3 signals"), std::string::npos) << c.bare.describe();
}

TEST(RealPrograms, Perl) {
  REQUIRE_SIGSTORM();
  const char* code =
      "my $n = 0; $SIG{USR1} = sub { $n++ };"
      "kill 'USR1', $$ for 1..3;"
      "print \"n=$n\\n\";"
      "print join(',', sort { $a <=> $b } (5, 3, 9, 1)), \"\\n\";"
      "exit 5;";
  auto c = expect_same({"perl", "-e", code});
  EXPECT_EQ(c.bare.shell_status(), 5);
  EXPECT_NE(c.bare.out.find("n=3"), std::string::npos) << c.bare.describe();
}

TEST(RealPrograms, Sort) {
  REQUIRE_SIGSTORM();
  RunOptions o;
  o.stdin_data = numbers(50000);
  auto c = expect_same({"sort", "-n"}, o);
  EXPECT_EQ(c.bare.shell_status(), 0);
  EXPECT_EQ(count_lines(c.bare.out), 50000);
}

TEST(RealPrograms, Dd) {
  REQUIRE_SIGSTORM();
  auto c = expect_same({"dd", "if=/dev/zero", "bs=4096", "count=256", "status=none"});
  EXPECT_EQ(c.bare.shell_status(), 0);
  EXPECT_EQ(c.bare.out, std::string(4096 * 256, '\0'));
}

TEST(RealPrograms, GzipGunzipRoundTrip) {
  REQUIRE_SIGSTORM();
  RunOptions o;
  o.stdin_data = numbers(40000);
  auto z = expect_same({"gzip", "-n", "-c"}, o);
  ASSERT_EQ(z.bare.shell_status(), 0);
  ASSERT_GT(z.bare.out.size(), 100u);
  RunOptions back;
  back.stdin_data = z.storm.result.out;
  auto u = expect_same({"gunzip", "-c"}, back);
  EXPECT_EQ(u.storm.result.out, o.stdin_data);
}

TEST(RealPrograms, ShellPipeline) {
  REQUIRE_SIGSTORM();
  // A process tree: bash forks and execs every stage.
  auto c = expect_same({"bash", "-c",
                        "seq 1 20000 | gzip -n | gunzip | sort -rn | tail -n 3; "
                        "dd if=/dev/zero bs=1k count=64 status=none | wc -c"});
  EXPECT_EQ(c.bare.out, "3\n2\n1\n65536\n");
}
