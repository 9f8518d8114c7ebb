// collect(): a run file built by hand -> the Report. And RunFile: created
// privately, read back, validated, removed.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include "inject/report/collect.h"
#include "inject/options/functions.h"
#include "inject/error.h"
#include "inject/run/run_file.h"

extern "C" __attribute__((noinline, used)) void sigstorm_collect_test_handler(int) {
  asm volatile("" ::: "memory");
}
extern "C" __attribute__((noinline, used)) void sigstorm_collect_test_other_handler(int) {
  asm volatile("" ::: "memory");
}

namespace sigstorm {
namespace {

template <size_t N>
void set(char (&dst)[N], const std::string& s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.data(), std::min(s.size(), N - 1));
}

// The file offset of a function of this binary, from /proc/self/maps.
uint64_t file_offset(const void* fn, std::string* module) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(fn);
  for (std::string line; std::getline(maps, line);) {
    uintptr_t lo = 0, hi = 0;
    unsigned long long off = 0;
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %*s %llx %*s %*s %n", &lo, &hi, &off, &path_at) < 3)
      continue;
    if (a >= lo && a < hi) {
      *module = line.substr(static_cast<size_t>(path_at));
      return a - lo + off;
    }
  }
  return 0;
}

class Collect : public ::testing::Test {
 protected:
  void SetUp() override {
    h = std::make_unique<wire::Header>();
    h->magic = wire::kMagic;
    h->version = wire::kVersion;
    h->header_size = sizeof(wire::Header);
    h->config.checks = wire::kAllChecks;
    h->config.seed = 1234;
    h->config.hang_timeout_ns = 2'000'000'000ull;
    h->config.time_scale = 1.0;
    handler_off = file_offset(reinterpret_cast<const void*>(&sigstorm_collect_test_handler), &module);
    other_off = file_offset(reinterpret_cast<const void*>(&sigstorm_collect_test_other_handler), &module);
    ASSERT_FALSE(module.empty());
    add_module(module);                       // module 1: this test binary
    add_module("/nonexistent/libgone.so");    // module 2: gone since the run
  }

  void add_module(const std::string& path) {
    const uint32_t i = h->next_module.fetch_add(1);
    set(h->modules[i].path, path);
    h->modules[i].ready.store(1);
  }

  wire::Record& add_record(wire::Kind kind, int pid, int tid, int sig, uint64_t handler_offset,
                           const char* function = "") {
    const uint32_t i = h->next_record.fetch_add(1);
    wire::Record& r = h->records[i];
    r.kind = kind;
    r.pid = pid;
    r.tid = tid;
    r.signal = sig;
    r.function = *function ? function_index(function).value_or(-1) : -1;
    r.handler = wire::Frame{handler_offset, 1, 0};
    r.count.store(1);
    r.nframes = 2;
    r.frames[0] = wire::Frame{0x1234, 2, 0};                          // in a module that is gone
    r.frames[1] = wire::Frame{handler_offset, 1, 0};  // the handler's first instruction
    r.state.store(wire::kReady);
    return r;
  }

  void add_process(int pid, int ppid, std::initializer_list<uint64_t> fired) {
    const uint32_t i = h->next_process.fetch_add(1);
    wire::Process& p = h->processes[i];
    p.pid = pid;
    p.ppid = ppid;
    set(p.exe, "/bin/prog");
    size_t k = 0;
    for (uint64_t n : fired) p.fired[k++].store(n);
    p.state.store(wire::kReady);
  }

  void add_injection(const std::string& text) {
    wire::Injection& inj = h->config.injections[h->config.injection_count++];
    set(inj.text, text);
  }

  std::unique_ptr<wire::Header> h;
  std::string module;
  uint64_t handler_off = 0, other_off = 0;
  Symbolizer sym;
};

TEST_F(Collect, MergesRepeatsAcrossProcesses) {
  add_record(wire::kUnsafeCall, 100, 101, SIGUSR1, handler_off, "printf");
  add_record(wire::kUnsafeCall, 200, 200, SIGUSR1, handler_off, "printf").count.store(2);
  add_record(wire::kUnsafeCall, 100, 100, SIGUSR1, handler_off, "malloc");  // another function
  add_record(wire::kUnsafeCall, 300, 300, SIGUSR1, other_off, "printf");    // another handler
  add_record(wire::kUnsafeCall, 300, 300, SIGUSR1, handler_off, "printf").count.store(4);

  const Report r = collect(*h, sym);
  ASSERT_EQ(r.findings.size(), 3u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, wire::kUnsafeCall);
  EXPECT_EQ(f.function, "printf");
  EXPECT_EQ(f.count, 7u);
  EXPECT_EQ(f.pid, 100) << "the first occurrence's pid and tid";
  EXPECT_EQ(f.tid, 101);
  EXPECT_EQ(f.pids, (std::vector<int>{100, 200, 300}));
  EXPECT_EQ(f.signal, "SIGUSR1");
  EXPECT_EQ(f.handler, "sigstorm_collect_test_handler");
  EXPECT_EQ(f.message, "printf called from handler sigstorm_collect_test_handler for SIGUSR1");
  // Frame 0 names the called function; the gone module keeps its path.
  ASSERT_EQ(f.stack.size(), 2u);
  EXPECT_EQ(f.stack[0].function, "printf");
  EXPECT_EQ(f.stack[0].module, "/nonexistent/libgone.so");
  EXPECT_EQ(f.stack[0].file, std::nullopt);
  EXPECT_EQ(f.stack[1].function, "sigstorm_collect_test_handler");
  EXPECT_EQ(f.stack[1].module, module);

  EXPECT_EQ(r.findings[1].function, "malloc");
  EXPECT_EQ(r.findings[1].count, 1u);
  EXPECT_EQ(r.findings[2].handler, "sigstorm_collect_test_other_handler");
  EXPECT_EQ(r.findings[2].pids, std::vector<int>{300});
}

// A bare run reports each process's findings on their own (cli/watch.cpp):
// the filter sees each ready record with its index, and only what it keeps
// is merged.
TEST_F(Collect, ARecordFilterKeepsOneProcesssFindings) {
  add_record(wire::kUnsafeCall, 100, 100, SIGUSR1, handler_off, "printf");
  add_record(wire::kUnsafeCall, 200, 200, SIGUSR1, handler_off, "printf").count.store(2);
  add_record(wire::kUnsafeCall, 200, 200, SIGUSR1, handler_off, "malloc");
  std::vector<uint32_t> seen;
  const Report r = collect(*h, sym, nullptr, [&](uint32_t index, const wire::Record& rec) {
    seen.push_back(index);
    return rec.pid == 200;
  });
  EXPECT_EQ(seen, (std::vector<uint32_t>{0, 1, 2}));
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].function, "printf");
  EXPECT_EQ(r.findings[0].count, 2u) << "pid 100's printf is not merged in";
  EXPECT_EQ(r.findings[0].pids, (std::vector<int>{200}));
  EXPECT_EQ(r.findings[1].function, "malloc");
}

TEST_F(Collect, KindsAndTheirFields) {
  wire::Record& e = add_record(wire::kErrnoClobber, 10, 10, SIGCHLD, handler_off);
  e.errno_before = 0;
  e.errno_after = 10;
  add_record(wire::kReentrancy, 10, 10, SIGUSR1, handler_off).aux_signal = SIGUSR2;
  add_record(wire::kHandlerCrash, 10, 10, SIGUSR1, handler_off).aux_signal = SIGSEGV;
  add_record(wire::kLongjmpMask, 10, 10, SIGALRM, handler_off);
  add_record(wire::kHandlerHang, 10, 10, SIGTERM, handler_off);

  const Report r = collect(*h, sym);
  ASSERT_EQ(r.findings.size(), 5u);
  EXPECT_EQ(r.findings[0].kind, wire::kErrnoClobber);
  EXPECT_EQ(r.findings[0].function, "sigstorm_collect_test_handler") << "the handler's name";
  EXPECT_EQ(r.findings[0].errno_before, 0);
  EXPECT_EQ(r.findings[0].errno_after, 10);
  EXPECT_NE(r.findings[0].message.find("from 0 to 10 (ECHILD)"), std::string::npos) << r.findings[0].message;
  EXPECT_EQ(r.findings[0].signal, "SIGCHLD");
  EXPECT_EQ(r.findings[1].nested_signal, "SIGUSR2");
  EXPECT_EQ(r.findings[1].function, "sigstorm_collect_test_handler");
  EXPECT_EQ(r.findings[2].fatal_signal, "SIGSEGV");
  EXPECT_EQ(r.findings[2].function, std::nullopt) << "the innermost frame's function (unknown module)";
  EXPECT_NE(r.findings[2].message.find("SIGSEGV"), std::string::npos);
  EXPECT_EQ(r.findings[3].kind, wire::kLongjmpMask);
  EXPECT_NE(r.findings[3].message.find("siglongjmp"), std::string::npos);
  EXPECT_EQ(r.findings[4].kind, wire::kHandlerHang);
  EXPECT_NE(r.findings[4].message.find("2s"), std::string::npos) << r.findings[4].message;
}

TEST_F(Collect, OnlyReadyRecordsOfCheckedKinds) {
  add_record(wire::kUnsafeCall, 1, 1, SIGUSR1, handler_off, "printf").state.store(wire::kWriting);
  add_record(wire::kUnsafeCall, 1, 1, SIGUSR1, handler_off, "free");
  add_record(wire::kErrnoClobber, 1, 1, SIGUSR1, handler_off);  // not checked below
  add_record(wire::kUnsafeCall, 1, 1, SIGUSR1, handler_off, "x").kind = 99;  // garbage
  wire::Record& big = add_record(wire::kUnsafeCall, 1, 1, SIGUSR1, handler_off, "puts");
  big.nframes = 1000;  // clamped to kMaxFrames
  h->config.checks = wire::check_bit(wire::kUnsafeCall);

  const Report r = collect(*h, sym);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].function, "free");
  EXPECT_EQ(r.findings[1].function, "puts");
  EXPECT_EQ(r.findings[1].stack.size(), wire::kMaxFrames);
  EXPECT_EQ(r.checks, std::vector<std::string>{"unsafe-call"});
  bool noted = false;
  for (const auto& n : r.notes) noted |= n.find("unknown kind") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST_F(Collect, InjectionStatsProcessesDroppedAndConfig) {
  add_injection("SIGUSR1@after:50ms");
  add_injection("SIGUSR2@call:read");
  add_process(100, 1, {1, 0});
  add_process(101, 100, {2, 0});
  add_process(102, 100, {0, 0});
  h->processes[h->next_process.fetch_add(1)].pid = 999;  // never became ready
  h->dropped_records.store(5);
  h->config.seed = 77;
  h->config.policy = wire::kPolicyLinux;
  h->config.time_scale = 0.5;

  const Report r = collect(*h, sym);
  EXPECT_EQ(r.seed, 77u);
  EXPECT_EQ(r.policy, "linux");
  EXPECT_EQ(r.time_scale, 0.5);
  EXPECT_EQ(r.hang_timeout_ns, 2'000'000'000ull);
  ASSERT_EQ(r.injections.size(), 2u);
  EXPECT_EQ(r.injections[0].spec, "SIGUSR1@after:50ms");
  EXPECT_EQ(r.injections[0].fired, 3u);
  EXPECT_EQ(r.injections[0].processes, (std::vector<ProcessFired>{{100, 1}, {101, 2}}));
  EXPECT_EQ(r.injections[1].fired, 0u);
  EXPECT_TRUE(r.injections[1].processes.empty());
  ASSERT_EQ(r.processes.size(), 3u);
  EXPECT_EQ(r.processes[1].pid, 101);
  EXPECT_EQ(r.processes[1].ppid, 100);
  EXPECT_EQ(r.processes[1].exe, "/bin/prog");
  EXPECT_EQ(r.dropped, 5u);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("5 findings were dropped"), std::string::npos) << r.notes[0];
  EXPECT_TRUE(r.findings.empty());
}

TEST(ErrnoText, NamesErrno) {
  EXPECT_EQ(errno_text(0), "0");
  EXPECT_EQ(errno_text(4), "4 (EINTR)");
}

TEST(RunFile, CreateReadRemove) {
  char tmpl[] = "/tmp/sigstorm-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string tmp = tmpl;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  setenv("TMPDIR", tmp.c_str(), 1);

  wire::Config cfg{};
  cfg.checks = wire::kAllChecks;
  cfg.seed = 42;
  cfg.hang_timeout_ns = 123;
  cfg.time_scale = 0.25;
  cfg.injection_count = 1;
  std::strcpy(cfg.injections[0].text, "SIGUSR1@after:1ms");
  std::string path;
  {
    RunFile rf = RunFile::create(cfg);
    if (old) setenv("TMPDIR", saved.c_str(), 1);
    else unsetenv("TMPDIR");
    path = rf.path();
    EXPECT_EQ(path.rfind(tmp + "/sigstorm.", 0), 0u) << path;
    EXPECT_EQ(path.find('/', tmp.size() + 1), std::string::npos) << "the file itself, in no directory of its own: " << path;
    struct stat st {};
    ASSERT_EQ(lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(static_cast<size_t>(st.st_size), wire::kFileSize);

    const wire::Header& hdr = rf.read();
    EXPECT_EQ(hdr.magic, wire::kMagic);
    EXPECT_EQ(hdr.version, wire::kVersion);
    EXPECT_EQ(hdr.header_size, sizeof(wire::Header));
    EXPECT_EQ(hdr.config.seed, 42u);
    EXPECT_EQ(hdr.config.time_scale, 0.25);
    EXPECT_STREQ(hdr.config.injections[0].text, "SIGUSR1@after:1ms");
    EXPECT_EQ(hdr.next_record.load(), 0u);

    // What another process writes through its own mapping is what read() sees.
    {
      FILE* f = std::fopen(path.c_str(), "r+");
      ASSERT_NE(f, nullptr);
      const uint64_t dropped = 9;
      std::fseek(f, static_cast<long>(offsetof(wire::Header, dropped_records)), SEEK_SET);
      std::fwrite(&dropped, sizeof dropped, 1, f);
      std::fclose(f);
    }
    EXPECT_EQ(rf.read().dropped_records.load(), 9u);

    rf.remove();
    EXPECT_NE(access(path.c_str(), F_OK), 0);
    rf.remove();  // idempotent
  }
  EXPECT_EQ(rmdir(tmp.c_str()), 0) << "nothing left in TMPDIR: " << std::strerror(errno);
}

TEST(RunFile, DetectsCorruptionAndTruncation) {
  wire::Config cfg{};
  RunFile rf = RunFile::create(cfg);
  {
    FILE* f = std::fopen(rf.path().c_str(), "r+");
    ASSERT_NE(f, nullptr);
    const uint32_t bad = wire::kVersion + 1;
    std::fseek(f, static_cast<long>(offsetof(wire::Header, version)), SEEK_SET);
    std::fwrite(&bad, sizeof bad, 1, f);
    std::fclose(f);
  }
  EXPECT_THROW(rf.read(), Error);
  ASSERT_EQ(truncate(rf.path().c_str(), 4096), 0);
  try {
    rf.read();
    ADD_FAILURE() << "a truncated run file was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(RunFile, TooManyInjections) {
  wire::Config cfg{};
  cfg.injection_count = wire::kMaxInjections + 1;
  EXPECT_THROW(RunFile::create(cfg), Error);
}

TEST(CheckHeader, Mismatches) {
  auto hdr = std::make_unique<wire::Header>();
  EXPECT_THROW(check_header(*hdr), Error);
  hdr->magic = wire::kMagic;
  hdr->version = wire::kVersion;
  hdr->header_size = sizeof(wire::Header) - 8;
  EXPECT_THROW(check_header(*hdr), Error);
  hdr->header_size = sizeof(wire::Header);
  EXPECT_NO_THROW(check_header(*hdr));
}

// The timeline: events claimed by the shim (a torn one skipped), findings
// from their records' first sighting, all in ns since the run file was
// made, by time; a run with more events than the file holds says so.
TEST_F(Collect, TimelineFromEventsAndRecords) {
  h->start_ns = 5'000'000;
  add_injection("USR1@call:close");
  add_process(100, 1, {1});
  wire::Process& p = h->processes[0];
  p.handled[SIGUSR1].store(1);
  p.handler_frame[SIGUSR1] = wire::Frame{handler_off, 1, 0};
  p.handler_placed.store(1ull << (SIGUSR1 - 1));
  auto ev = [&](uint32_t i, uint8_t kind, uint64_t t, uint64_t seq) -> wire::Event& {
    wire::Event& e = h->events[i];
    e.kind = kind;
    e.t_ns = h->start_ns + t;
    e.pid = 100;
    e.tid = 100;
    e.signal = SIGUSR1;
    e.function = wire::kInterruptedNothing;
    e.seq.store(seq);
    return e;
  };
  ev(0, wire::kEventInjection, 900, 2).spec = 0;
  wire::Event& run = ev(1, wire::kEventHandler, 1000, 4);
  run.enter_ns = 50;
  run.end_ns.store(h->start_ns + 3000);
  run.function = static_cast<int16_t>(*function_index("close"));
  ev(2, wire::kEventHandler, 1500, 7);  // odd: its writer never finished
  wire::Event& open = ev(3, wire::kEventHandler, 4000, 8);
  open.function = wire::kInterruptedSyscall;
  open.depth = 1;
  h->events_seen.store(4);
  add_record(wire::kUnsafeCall, 100, 100, SIGUSR1, handler_off, "malloc").first_ns = h->start_ns + 2000;

  Report r = collect(*h, sym);
  EXPECT_EQ(r.timeline.seen, 4u);
  EXPECT_EQ(r.timeline.kept, 4u) << "the slots used, the torn one too";
  EXPECT_FALSE(r.timeline.sampled());
  ASSERT_EQ(r.timeline.events.size(), 4u);
  const auto& e = r.timeline.events;
  EXPECT_EQ(e[0].kind, EventKind::Injection);
  EXPECT_EQ(e[0].t_ns, 900u);
  EXPECT_EQ(e[0].spec, "USR1@call:close");
  EXPECT_EQ(e[1].kind, EventKind::Handler);
  EXPECT_EQ(e[1].t_ns, 1000u);
  EXPECT_EQ(e[1].enter_ns, 1050u);
  EXPECT_EQ(e[1].end_ns, 3000u);
  EXPECT_EQ(e[1].interrupted, "close");
  EXPECT_EQ(e[1].handler, "sigstorm_collect_test_handler");
  EXPECT_EQ(e[2].kind, EventKind::Finding);
  EXPECT_EQ(e[2].t_ns, 2000u);
  EXPECT_EQ(e[2].finding, 0u);
  EXPECT_EQ(e[3].end_ns, std::nullopt) << "never seen returning";
  EXPECT_EQ(e[3].interrupted, "system call");
  EXPECT_EQ(e[3].depth, 1);

  h->events_seen.store(100000);
  r = collect(*h, sym);
  EXPECT_TRUE(r.timeline.sampled());
  EXPECT_EQ(r.timeline.kept, wire::kMaxEvents);
}

}  // namespace
}  // namespace sigstorm
