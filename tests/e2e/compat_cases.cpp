// The compatibility suite's cases (tests/e2e/compat_test.cpp runs them):
// real programs from Debian packages and what each must do bare. A case is
// data: programs it needs, files it starts from, steps with their expected
// status and output, files that must come out the same.
#include "compat_cases.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace e2e;

// Cases and steps are written with designated initializers; the members left
// out take their defaults, which is the point.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace compat {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- helpers

// NAME found on PATH (or NAME itself when it has a '/'), or "".


void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

std::string read_file(const std::string& path, bool* ok) {
  std::ifstream f(path, std::ios::binary);
  if (ok) *ok = bool(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Deterministic pseudo-random numbers (the same in every run).
struct Lcg {
  uint64_t x;
  explicit Lcg(uint64_t seed) : x(seed) {}
  uint32_t next() {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(x >> 33);
  }
};

// Text with some redundancy (compresses, sorts, diffs like real data).
std::string generated_text(size_t bytes, uint64_t seed) {
  static const char* words[] = {"signal", "handler", "mask",  "errno",  "storm", "async", "safe",
                                "write",  "read",    "fork",  "exec",   "wait",  "child", "pipe",
                                "alarm",  "timer",   "queue", "thread", "stack", "frame"};
  Lcg r(seed);
  std::string s;
  s.reserve(bytes + 100);
  for (unsigned line = 1; s.size() < bytes; ++line) {
    s += "line " + std::to_string(line) + ":";
    for (unsigned n = 3 + r.next() % 9; n > 0; --n) {
      s += ' ';
      s += words[r.next() % (sizeof words / sizeof *words)];
      if (r.next() % 4 == 0) s += std::to_string(r.next() % 1000);
    }
    s += '\n';
  }
  return s;
}

std::string generated_bytes(size_t bytes, uint64_t seed) {
  Lcg r(seed);
  std::string s(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) s[i] = char(r.next() >> 7);
  return s;
}

// Where two byte strings first differ, for failure messages (the strings
// themselves can be megabytes).
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  auto around = [i](const std::string& s) {
    size_t from = i > 60 ? i - 60 : 0;
    std::string piece = s.substr(from, 160);
    for (char& c : piece)
      if ((unsigned char)c < 32 && c != '\n') c = '.';
    return piece;
  };
  return "sizes " + std::to_string(a.size()) + " (bare) vs " + std::to_string(b.size()) +
         " (sigstorm); first difference at byte " + std::to_string(i) + "\n--- bare ---\n" + around(a) +
         "\n--- sigstorm ---\n" + around(b);
}


// Only dd's "N+M records in/out" lines (the bytes/time/rate line is timing).
std::string dd_record_lines(const std::string& err) {
  std::stringstream ss(err);
  std::string line, kept;
  while (std::getline(ss, line))
    if (line.find(" records in") != std::string::npos || line.find(" records out") != std::string::npos)
      kept += line + "\n";
  return kept;
}

int count_substr(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// ---------------------------------------------------------------- cases



// ---- bash: functions, traps (USR1 and EXIT), subshells, pipes, background
// jobs and wait, kill -USR1 $$ from the shell and from a subshell.
const char* kBashScript = R"SH(set -u
usr1=0
square() { local n=$1; echo "square $n = $((n * n))"; return $((n % 3)); }
on_usr1() { usr1=$((usr1 + 1)); echo "USR1 trap #$usr1"; }
trap on_usr1 USR1
trap 'echo "EXIT trap, status $?"' EXIT
for i in 1 2 3 4 5; do square "$i"; echo "  returned $?"; done
kill -USR1 $$
kill -USR1 $$
echo "after two kills: usr1=$usr1"
( kill -USR1 $$ )
echo "after a subshell's kill: usr1=$usr1"
upper=$( (echo from a subshell; exit 0) | tr a-z A-Z )
echo "upper=$upper"
(sleep 0.05; echo "job A done" > a.txt) &
a=$!
(echo "job B done" > b.txt; exit 7) &
b=$!
wait "$a"; echo "wait A: $?"
wait "$b"; echo "wait B: $?"
cat a.txt b.txt
for j in 1 2 3; do (exit "$j") & done
wait
echo "all jobs reaped"
seq 1 20000 | sort -rn | head -n 3
false | true | (exit 5)
echo "PIPESTATUS=${PIPESTATUS[*]}"
total=0
while read -r word num; do total=$((total + num)); echo "$num $word"; done <<'EOF'
one 1
two 2
three 3
EOF
echo "total=$total"
case "$total" in 6) echo six ;; *) echo other ;; esac
echo "to stderr" >&2
exit 3
)SH";

const char* kBashExpected =
    "square 1 = 1\n  returned 1\nsquare 2 = 4\n  returned 2\nsquare 3 = 9\n  returned 0\n"
    "square 4 = 16\n  returned 1\nsquare 5 = 25\n  returned 2\n"
    "USR1 trap #1\nUSR1 trap #2\nafter two kills: usr1=2\n"
    "USR1 trap #3\nafter a subshell's kill: usr1=3\n"
    "upper=FROM A SUBSHELL\n"
    "wait A: 0\nwait B: 7\njob A done\njob B done\nall jobs reaped\n"
    "20000\n19999\n19998\n"
    "PIPESTATUS=1 0 5\n"
    "1 one\n2 two\n3 three\ntotal=6\nsix\n"
    "EXIT trap, status 3\n";

// ---- python3: handlers for three signals, os.kill from the main thread and
// from another thread while worker threads run, subprocess (a pipe, a child
// killed by a signal, exit statuses).
const char* kPythonScript = R"PY(import hashlib, os, signal, subprocess, sys, threading

got = []
def handler(signum, frame):
    got.append(signal.Signals(signum).name)

for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
    signal.signal(s, handler)

os.kill(os.getpid(), signal.SIGUSR1)
os.kill(os.getpid(), signal.SIGUSR2)
print("handled:", got)

results = [None] * 4
def work(i):
    h = hashlib.sha256()
    for j in range(5000 * (i + 1)):
        h.update(b"%d" % j)
    results[i] = h.hexdigest()[:16]

threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
os.kill(os.getpid(), signal.SIGHUP)
for t in threads:
    t.join()
print("workers:", results)

def report():
    print("handled:", got)

t = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGUSR1))
t.start()
t.join()
report()

out = subprocess.run(["sort", "-r"], input="b\na\nc\n", capture_output=True, text=True)
print("sort -r:", out.stdout.split(), out.returncode)
print("bash exit:", subprocess.run(["bash", "-c", "exit 3"]).returncode)
p = subprocess.Popen(["sleep", "30"])
p.send_signal(signal.SIGTERM)
print("sleep killed:", p.wait())
p1 = subprocess.Popen(["seq", "1", "5000"], stdout=subprocess.PIPE)
p2 = subprocess.Popen(["tail", "-n", "2"], stdin=p1.stdout, stdout=subprocess.PIPE, text=True)
p1.stdout.close()
print("pipeline:", p2.communicate()[0].split(), p1.wait(), p2.returncode)
print("to stderr", file=sys.stderr)
sys.exit(4)
)PY";

// ---- perl: %SIG handlers, fork, waitpid, a child killed by a signal, a
// child signalling its parent, a piped open, a SIGCHLD handler.
const char* kPerlScript = R"PL(use strict;
use warnings;
$| = 1;
my %got = (USR1 => 0, USR2 => 0, HUP => 0);
for my $s (qw(USR1 USR2 HUP)) { $SIG{$s} = sub { $got{$s}++ }; }
kill 'USR1', $$ for 1 .. 3;
kill 'USR2', $$;
kill 'HUP', $$;
print "got USR1=$got{USR1} USR2=$got{USR2} HUP=$got{HUP}\n";
my $chld = 0;
$SIG{CHLD} = sub { $chld++ };
my @kids;
for my $i (1 .. 4) {
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  if ($pid == 0) {
    my $sum = 0;
    $sum += $_ for 1 .. 20000 * $i;
    exit $i * 10;
  }
  push @kids, $pid;
}
for my $pid (@kids) {
  my $w = waitpid($pid, 0);
  print "child ", ($w == $pid ? "reaped" : "lost"), ", status ", $? >> 8, "\n";
}
my $pid = fork();
if ($pid == 0) { $SIG{TERM} = 'DEFAULT'; kill 'TERM', $$; sleep 5; exit 0; }
waitpid($pid, 0);
print "killed child: signal ", $? & 127, "\n";
$pid = fork();
if ($pid == 0) { kill 'USR2', getppid(); exit 0; }
waitpid($pid, 0);
print "USR2 now $got{USR2}\n";
open(my $fh, '-|', 'seq', '1', '5') or die "seq: $!";
my @lines = <$fh>;
close $fh;
print "seq gave ", scalar(@lines), " lines, last $lines[-1]";
print "SIGCHLD handled\n" if $chld > 0;
print join(",", sort { $a <=> $b } map { $_ * 3 % 7 } 1 .. 10), "\n";
print STDERR "to stderr\n";
exit 5;
)PL";

// ---- make: six parallel chains of pattern rules, a merge, a report; then a
// failing target.
const char* kMakefile = R"MK(PARTS := p1 p2 p3 p4 p5 p6
.SECONDARY:
.PHONY: all fail
all: report.txt
	@cat report.txt
p%.txt:
	@seq $* 7 30000 > $@
p%.sorted: p%.txt
	@sort -rn $< > $@
p%.gz: p%.sorted
	@gzip -n -c $< > $@
merged.txt: $(PARTS:%=%.sorted)
	@sort -n -m $^ > $@
report.txt: merged.txt $(PARTS:%=%.gz)
	@{ wc -l < merged.txt; md5sum merged.txt; for f in $(PARTS:%=%.gz); do gzip -dc $$f | md5sum; done; } > $@
fail: report.txt
	@echo "about to fail" >&2; exit 3
)MK";

const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> all = [] {
    std::map<std::string, Case> m;

    m["Bash"] = Case{
        .programs = {"bash", "seq", "sort", "head", "tr", "sleep", "cat"},
        .setup = [](const std::string& dir) { write_file(dir + "/script.sh", kBashScript); },
        .steps = {Step{.argv = {"bash", "script.sh"}, .status = 3}},
        .artifacts = {"a.txt", "b.txt"},
        .check =
            [](const std::string&, const std::vector<RunResult>& r) {
              EXPECT_EQ(r[0].out, kBashExpected);
              EXPECT_EQ(r[0].err, "to stderr\n");
            },
    };

    m["Python"] = Case{
        .programs = {"sort", "bash", "sleep", "seq", "tail"},
        .setup = [](const std::string& dir) { write_file(dir + "/script.py", kPythonScript); },
        .steps = {Step{.argv = {"<python3>", "script.py"},
                       .status = 4,
                       .out_has = {"handled: ['SIGUSR1', 'SIGUSR2']\n",
                                   "handled: ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGUSR1']\n",
                                   "sort -r: ['c', 'b', 'a'] 0\n", "bash exit: 3\n", "sleep killed: -15\n",
                                   "pipeline: ['4999', '5000'] 0 0\n"}}},
        .env = {{"PYTHONDONTWRITEBYTECODE", "1"}},
    };

    m["Perl"] = Case{
        .programs = {"perl", "seq"},
        .setup = [](const std::string& dir) { write_file(dir + "/script.pl", kPerlScript); },
        .steps = {Step{.argv = {"perl", "script.pl"}, .status = 5}},
        .check =
            [](const std::string&, const std::vector<RunResult>& r) {
              EXPECT_EQ(r[0].out,
                        "got USR1=3 USR2=1 HUP=1\n"
                        "child reaped, status 10\nchild reaped, status 20\n"
                        "child reaped, status 30\nchild reaped, status 40\n"
                        "killed child: signal 15\nUSR2 now 2\nseq gave 5 lines, last 5\n"
                        "SIGCHLD handled\n0,1,2,2,3,3,4,5,6,6\n");
              EXPECT_EQ(r[0].err, "to stderr\n");
            },
    };

    m["Make"] = Case{
        .programs = {"make", "seq", "sort", "gzip", "md5sum", "wc"},
        .setup = [](const std::string& dir) { write_file(dir + "/Makefile", kMakefile); },
        .steps = {Step{.argv = {"make", "-s", "-j2"}, .status = 0},
                  Step{.argv = {"make", "-s", "-j2", "fail"}, .status = 2}},
        .artifacts = {"report.txt", "merged.txt", "p1.sorted", "p6.sorted", "p1.gz", "p6.gz"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_EQ(count_lines(r[0].out), 8) << r[0].describe();
              EXPECT_EQ(r[0].out.substr(0, 6), "25715\n") << r[0].describe();  // lines of the six seq outputs
              EXPECT_EQ(read_file(dir + "/report.txt"), r[0].out);
              EXPECT_NE(r[1].err.find("about to fail\n"), std::string::npos) << r[1].describe();
              EXPECT_NE(r[1].err.find("Error 3"), std::string::npos) << r[1].describe();
            },
    };

    m["Sort"] = Case{
        .programs = {"sort"},
        .setup =
            [](const std::string& dir) {
              Lcg r(7);
              std::string s;
              for (int i = 0; i < 150000; ++i) {
                for (int k = 0; k < 5; ++k) s += char('a' + r.next() % 26);
                s += "," + std::to_string(r.next() % 100000) + "\n";
              }
              write_file(dir + "/input.txt", s);
              fs::create_directory(dir + "/tmp");
            },
        .steps =
            {
                // A tiny buffer: sorted runs in temporary files, then merged.
                Step{.argv = {"sort", "-S", "256K", "--parallel=2", "-T", "tmp", "-t,", "-k2,2n", "-k1,1",
                              "input.txt"}},
                Step{.argv = {"sort", "-u", "-S", "256K", "-T", "tmp", "-o", "sorted.txt", "input.txt"}},
                Step{.argv = {"sort", "-c", "sorted.txt"}},
                Step{.argv = {"sort", "-c", "input.txt"}, .status = 1},
            },
        .artifacts = {"sorted.txt"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_EQ(count_lines(r[0].out), 150000);
              EXPECT_GT(count_lines(read_file(dir + "/sorted.txt")), 100000);
              EXPECT_NE(r[3].err.find("disorder"), std::string::npos) << r[3].describe();
              EXPECT_TRUE(fs::is_empty(dir + "/tmp")) << "sort left temporary files";
            },
    };

    m["Dd"] = Case{
        .programs = {"dd", "bash", "md5sum"},
        .setup = [](const std::string& dir) { write_file(dir + "/data.bin", generated_bytes(1 << 20, 11)); },
        .steps =
            {
                Step{.argv = {"bash", "-c",
                              "dd if=/dev/zero bs=1M count=32 | md5sum; "
                              "dd if=data.bin bs=1000 skip=3 count=500 | md5sum"},
                     .out_has = {"58f06dd588d8ffb3beb46ada6309436b  -\n"},  // 32 MiB of zeros
                     .err_filter = dd_record_lines},
                Step{.argv = {"dd", "if=data.bin", "bs=4096", "skip=5", "count=100"},
                     .err_filter = dd_record_lines},
                Step{.argv = {"dd", "if=data.bin", "of=copy.bin", "bs=1000", "iflag=fullblock"},
                     .err_filter = dd_record_lines},
            },
        .artifacts = {"copy.bin"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_EQ(dd_record_lines(r[0].err),
                        "32+0 records in\n32+0 records out\n500+0 records in\n500+0 records out\n");
              EXPECT_EQ(r[1].out, read_file(dir + "/data.bin").substr(5 * 4096, 100 * 4096));
              EXPECT_EQ(dd_record_lines(r[2].err), "1048+1 records in\n1048+1 records out\n");
              EXPECT_EQ(read_file(dir + "/copy.bin"), read_file(dir + "/data.bin"));
            },
    };

    m["Gzip"] = Case{
        .programs = {"gzip"},
        .setup =
            [](const std::string& dir) {
              write_file(dir + "/data.txt", generated_text(1500000, 21));
              write_file(dir + "/bad.gz", "this is not gzip data\n");
            },
        .steps =
            {
                Step{.argv = {"gzip", "-9", "-n", "-k", "data.txt"}},
                Step{.argv = {"gzip", "-l", "data.txt.gz"}, .out_has = {"data.txt\n"}},
                Step{.argv = {"gzip", "-t", "data.txt.gz"}},
                Step{.argv = {"gzip", "-d", "-c", "data.txt.gz"}},
                Step{.argv = {"gzip", "-d", "-c", "bad.gz"}, .status = 1},
            },
        .artifacts = {"data.txt.gz"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_TRUE(r[3].out == read_file(dir + "/data.txt")) << "gzip round trip";
              EXPECT_LT(read_file(dir + "/data.txt.gz").size(), 1000000u);
              EXPECT_NE(r[4].err.find("not in gzip format"), std::string::npos) << r[4].describe();
            },
    };

    m["Xz"] = Case{
        .programs = {"xz"},
        .setup =
            [](const std::string& dir) {
              write_file(dir + "/data.txt", generated_text(1000000, 31));
              write_file(dir + "/bad.xz", "this is not xz data\n");
            },
        .steps =
            {
                // Two threads, blocks of 128 KiB: the threaded encoder really runs.
                Step{.argv = {"xz", "-4", "-T2", "--block-size=128KiB", "-k", "data.txt"}},
                Step{.argv = {"xz", "-l", "data.txt.xz"}},
                Step{.argv = {"xz", "-t", "data.txt.xz"}},
                Step{.argv = {"xz", "-d", "-c", "-T2", "data.txt.xz"}},
                Step{.argv = {"xz", "-d", "-c", "bad.xz"}, .status = 1},
            },
        .artifacts = {"data.txt.xz"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_TRUE(r[3].out == read_file(dir + "/data.txt")) << "xz round trip";
              EXPECT_LT(read_file(dir + "/data.txt.xz").size(), 700000u);
              EXPECT_NE(r[4].err.find("File format not recognized"), std::string::npos) << r[4].describe();
            },
    };

    m["Tar"] = Case{
        .programs = {"tar", "gzip"},
        .setup =
            [](const std::string& dir) {
              fs::create_directories(dir + "/src/sub/deeper");
              fs::create_directories(dir + "/src/empty");
              fs::create_directories(dir + "/out");
              write_file(dir + "/src/a.txt", generated_text(20000, 41));
              write_file(dir + "/src/sub/b.bin", generated_bytes(300000, 42));
              write_file(dir + "/src/sub/deeper/c.txt", "deep\n");
              fs::create_symlink("../a.txt", dir + "/src/sub/link");
              for (const char* d : {"/src", "/src/sub", "/src/sub/deeper", "/src/empty"})
                fs::permissions(dir + d, fs::perms(0755));
              for (const char* f : {"/src/a.txt", "/src/sub/b.bin", "/src/sub/deeper/c.txt"})
                fs::permissions(dir + f, fs::perms(0644));
            },
        .steps =
            {
                Step{.argv = {"tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                              "--format=gnu", "-cf", "arch.tar", "src"}},
                Step{.argv = {"tar", "-tvf", "arch.tar"}, .out_has = {"src/sub/link -> ../a.txt\n"}},
                Step{.argv = {"tar", "-xf", "arch.tar", "-C", "out"}},
                // The archive's mtimes are 0: every file "differs".
                Step{.argv = {"tar", "-df", "arch.tar"}, .status = 1, .out_has = {"src/a.txt: Mod time differs"}},
                // -z: tar runs gzip as a child.
                Step{.argv = {"tar", "--sort=name", "-czf", "arch.tgz", "src"}},
                Step{.argv = {"tar", "-tzf", "arch.tgz"}},
            },
        .artifacts = {"arch.tar", "out/src/a.txt", "out/src/sub/b.bin", "out/src/sub/deeper/c.txt"},
        .check =
            [](const std::string& dir, const std::vector<RunResult>& r) {
              EXPECT_EQ(count_lines(r[1].out), 8) << r[1].describe();
              EXPECT_EQ(read_file(dir + "/out/src/sub/b.bin"), read_file(dir + "/src/sub/b.bin"));
              EXPECT_EQ(fs::read_symlink(dir + "/out/src/sub/link"), fs::path("../a.txt"));
              EXPECT_TRUE(fs::is_directory(dir + "/out/src/empty"));
              EXPECT_EQ(r[5].out,
                        "src/\nsrc/a.txt\nsrc/empty/\nsrc/sub/\nsrc/sub/b.bin\nsrc/sub/deeper/\n"
                        "src/sub/deeper/c.txt\nsrc/sub/link\n");
            },
    };

    m["Git"] = Case{
        .programs = {"git"},
        .setup =
            [](const std::string& dir) {
              write_file(dir + "/README", "hello\n");
              write_file(dir + "/data.txt", generated_text(30000, 51));
              fs::create_directories(dir + "/src");
              write_file(dir + "/src/main.c", "int main(void) { return 0; }\n");
            },
        .steps =
            {
                Step{.argv = {"git", "init", "-q", "-b", "main", "."}},
                Step{.argv = {"git", "add", "-A"}},
                Step{.argv = {"git", "commit", "-q", "-m", "first commit"}},
                Step{.argv = {"git", "mv", "README", "README.txt"}},
                Step{.argv = {"git", "rm", "-q", "data.txt"}},
                Step{.argv = {"git", "commit", "-q", "-m", "second commit"}},
                Step{.argv = {"git", "tag", "-a", "v1", "-m", "version 1"}},
                Step{.argv = {"git", "checkout", "-q", "-b", "side", "HEAD~1"}},
                Step{.argv = {"git", "log", "--all", "--format=%H %p %an <%ae> %ad %s", "--date=iso-strict"},
                     .out_has = {" Sig Storm <sig@storm.invalid> 2020-01-02T03:04:05+00:00 first commit\n"}},
                Step{.argv = {"git", "diff", "--stat", "main~1", "main"}},
                Step{.argv = {"git", "show", "--format=%s%n%b", "--name-status", "v1"}},
                Step{.argv = {"git", "status", "--porcelain=v1", "--branch"}},
                Step{.argv = {"git", "gc", "-q"}},
                Step{.argv = {"git", "fsck", "--no-progress"}},
                Step{.argv = {"git", "rev-list", "--count", "--all"}, .out_has = {"2\n"}},
                Step{.argv = {"git", "log", "--format=%s", "no-such-branch"}, .status = 128},
            },
        .env = {{"GIT_AUTHOR_NAME", "Sig Storm"},
                {"GIT_AUTHOR_EMAIL", "sig@storm.invalid"},
                {"GIT_AUTHOR_DATE", "2020-01-02T03:04:05Z"},
                {"GIT_COMMITTER_NAME", "Sig Storm"},
                {"GIT_COMMITTER_EMAIL", "sig@storm.invalid"},
                {"GIT_COMMITTER_DATE", "2020-01-02T03:04:05Z"},
                {"GIT_CONFIG_NOSYSTEM", "1"},
                {"GIT_CONFIG_GLOBAL", "/dev/null"},
                {"GIT_TERMINAL_PROMPT", "0"},
                {"GIT_PAGER", "cat"},
                {"PAGER", "cat"},
                {"EDITOR", "true"}},
        .home_is_dir = true,
        .artifacts = {".git/HEAD", ".git/packed-refs", "README", "data.txt", "src/main.c"},
        .check =
            [](const std::string&, const std::vector<RunResult>& r) {
              EXPECT_EQ(count_lines(r[8].out), 2) << r[8].describe();
              EXPECT_NE(r[9].out.find("2 files changed"), std::string::npos) << r[9].describe();
              EXPECT_NE(r[11].out.find("## side"), std::string::npos) << r[11].describe();
              EXPECT_NE(r[15].err.find("no-such-branch"), std::string::npos) << r[15].describe();
            },
    };
    return m;
  }();
  return all;
}

}  // namespace compat
