// Symbolization with elfutils: a function of this very test binary, found
// by its module path and FILE offset as the shim records them.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "inject/report/symbolize.h"

namespace sigstorm_symbolize_test {

// A call site on a known line: the return address of `return_address()`
// lies right after the call, on kCallLine.
__attribute__((noinline)) void* return_address() {
  void* ra = __builtin_return_address(0);
  asm volatile("" ::: "memory");
  return ra;
}

int g_call_line = 0;

__attribute__((noinline)) void* known_site() {
  g_call_line = __LINE__ + 1;
  void* volatile ra = return_address();
  asm volatile("" ::: "memory");
  return ra;
}

extern "C" __attribute__((noinline, used)) int sigstorm_test_c_function(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

}  // namespace sigstorm_symbolize_test

namespace sigstorm {
namespace {

struct Place {
  std::string module;
  uint64_t offset = 0;
};

// The mapped file and file offset of an address, from /proc/self/maps.
Place place(const void* addr) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(addr);
  for (std::string line; std::getline(maps, line);) {
    uintptr_t lo = 0, hi = 0;
    unsigned long long off = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %7s %llx %*s %*s %n", &lo, &hi, perms, &off,
                    &path_at) < 4)
      continue;
    if (a < lo || a >= hi) continue;
    Place p;
    p.module = line.substr(static_cast<size_t>(path_at));
    p.offset = a - lo + off;
    return p;
  }
  return {};
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(Symbolize, CallSiteInThisBinaryHasFunctionFileAndLine) {
  void* ra = sigstorm_symbolize_test::known_site();
  const Place p = place(ra);
  ASSERT_FALSE(p.module.empty());
  ASSERT_EQ(p.module[0], '/') << p.module;

  Symbolizer s;
  // A return address: the frame is a call site, looked up at offset - 1.
  wire::Frame f{p.offset, 1, wire::kFrameCallsite};
  const StackFrame fr = s.frame(p.module, f);
  ASSERT_TRUE(fr.function.has_value());
  EXPECT_NE(fr.function->find("known_site"), std::string::npos) << *fr.function;
  EXPECT_EQ(fr.function->find("_Z"), std::string::npos) << "demangled: " << *fr.function;
  ASSERT_TRUE(fr.file.has_value());
  EXPECT_TRUE(ends_with(*fr.file, "test_symbolize.cpp")) << *fr.file;
  ASSERT_TRUE(fr.line.has_value());
  EXPECT_EQ(*fr.line, sigstorm_symbolize_test::g_call_line);
  EXPECT_EQ(fr.module, p.module);
  EXPECT_EQ(fr.offset, p.offset) << "the frame keeps the recorded offset";
  EXPECT_FALSE(fr.signal_frame);
}

TEST(Symbolize, FunctionEntryAndVirtualAddress) {
  const void* fn = reinterpret_cast<const void*>(&sigstorm_symbolize_test::sigstorm_test_c_function);
  const Place p = place(fn);
  ASSERT_FALSE(p.module.empty());
  Symbolizer s;
  const Symbol sym = s.symbolize(p.module, p.offset);
  EXPECT_EQ(sym.function, "sigstorm_test_c_function");
  ASSERT_TRUE(sym.file.has_value());
  EXPECT_TRUE(ends_with(*sym.file, "test_symbolize.cpp")) << *sym.file;

  // The file offset maps to the same virtual address the loader used.
  Dl_info info{};
  ASSERT_NE(dladdr(fn, &info), 0);
  const auto vaddr = s.file_offset_to_vaddr(p.module, p.offset);
  ASSERT_TRUE(vaddr.has_value());
  EXPECT_EQ(*vaddr, reinterpret_cast<uintptr_t>(fn) - reinterpret_cast<uintptr_t>(info.dli_fbase));
  // Cached: the same answer again.
  EXPECT_EQ(s.symbolize(p.module, p.offset), sym);
}

TEST(Symbolize, SharedLibraryFunction) {
  // A libc function: named from DWARF when libc's debuginfo is installed,
  // else from its dynamic symbol table.
  const void* fn = dlsym(RTLD_DEFAULT, "getpid");
  ASSERT_NE(fn, nullptr);
  const Place p = place(fn);
  ASSERT_FALSE(p.module.empty());
  Symbolizer s;
  const Symbol sym = s.symbolize(p.module, p.offset);
  ASSERT_TRUE(sym.function.has_value());
  EXPECT_NE(sym.function->find("getpid"), std::string::npos) << *sym.function;
}

TEST(Symbolize, UnknownModulesAndOffsets) {
  Symbolizer s;
  EXPECT_EQ(s.symbolize("/nonexistent/module.so", 0x1000), Symbol{});
  EXPECT_EQ(s.symbolize("/etc/hostname", 0x10), Symbol{}) << "not an ELF file";
  const Place p = place(reinterpret_cast<const void*>(&sigstorm_symbolize_test::sigstorm_test_c_function));
  EXPECT_EQ(s.symbolize(p.module, 0x7fffffffffffull), Symbol{}) << "outside every PT_LOAD";
  EXPECT_EQ(s.file_offset_to_vaddr(p.module, 0x7fffffffffffull), std::nullopt);

  // Module 0: no module, the absolute address kept.
  const StackFrame unknown = s.frame(std::nullopt, wire::Frame{0xdeadbeef, 0, 0});
  EXPECT_EQ(unknown.function, std::nullopt);
  EXPECT_EQ(unknown.module, std::nullopt);
  EXPECT_EQ(unknown.offset, 0xdeadbeefu);

  const StackFrame sig = s.frame(p.module, wire::Frame{p.offset, 1, wire::kFrameSignal});
  EXPECT_TRUE(sig.signal_frame);
  EXPECT_EQ(sig.function, "sigstorm_test_c_function") << "a signal frame's pc is exact, not a call site";
}

// A copy of this test binary in a fresh directory, made by objcopy.
struct Copies {
  std::string dir;
  Copies() {
    char templ[] = "/tmp/sigstorm-symbolize.XXXXXX";
    if (mkdtemp(templ)) dir = templ;
  }
  ~Copies() {
    if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
  }
  bool objcopy(const std::string& args) {
    return std::system(("objcopy " + args + " >/dev/null 2>&1").c_str()) == 0;
  }
};

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

TEST(Symbolize, SeparateDebuginfoByDebuglink) {
  Copies c;
  ASSERT_FALSE(c.dir.empty());
  const std::string self = self_exe();
  // As `objcopy --only-keep-debug` + `--add-gnu-debuglink` leave a program:
  // its lines are in prog.debug beside it.
  if (!c.objcopy("--only-keep-debug '" + self + "' '" + c.dir + "/prog.debug'")) GTEST_SKIP() << "no objcopy";
  ASSERT_TRUE(c.objcopy("--strip-debug '" + self + "' '" + c.dir + "/prog.stripped'"));
  ASSERT_EQ(0, std::system(("cd '" + c.dir + "' && objcopy --add-gnu-debuglink=prog.debug prog.stripped prog").c_str()));
  const Place p = place(reinterpret_cast<const void*>(&sigstorm_symbolize_test::sigstorm_test_c_function));
  Symbolizer s;
  const Symbol stripped = s.symbolize(c.dir + "/prog.stripped", p.offset);
  EXPECT_EQ(stripped.function, "sigstorm_test_c_function") << "from the symbol table";
  EXPECT_EQ(stripped.file, std::nullopt) << "no debuginfo: no line";
  const Symbol linked = s.symbolize(c.dir + "/prog", p.offset);
  EXPECT_EQ(linked.function, "sigstorm_test_c_function");
  ASSERT_TRUE(linked.file.has_value()) << "prog.debug, found by the debuglink";
  EXPECT_TRUE(ends_with(*linked.file, "test_symbolize.cpp")) << *linked.file;
}

// DEBUGINFOD_URLS set (Debian's /etc/profile.d/debuginfod.sh sets it where
// enabled): libdw's standard lookup would ask the server for a module
// without local debuginfo, write a cache under XDG_CACHE_HOME, and wait for
// the answer. sigstorm never does.
TEST(Symbolize, NeverAsksADebuginfodServer) {
  Copies c;
  ASSERT_FALSE(c.dir.empty());
  if (!c.objcopy("--strip-debug '" + self_exe() + "' '" + c.dir + "/prog'")) GTEST_SKIP() << "no objcopy";
  const int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(0, bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ASSERT_EQ(0, listen(server, 8));
  socklen_t len = sizeof addr;
  ASSERT_EQ(0, getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len));
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  setenv("DEBUGINFOD_URLS", url.c_str(), 1);
  setenv("DEBUGINFOD_TIMEOUT", "2", 1);  // if it does ask: a failure, not a hang
  setenv("XDG_CACHE_HOME", c.dir.c_str(), 1);
  const Place p = place(reinterpret_cast<const void*>(&sigstorm_symbolize_test::sigstorm_test_c_function));
  Symbol sym;
  {
    Symbolizer s;
    sym = s.symbolize(c.dir + "/prog", p.offset);
  }
  unsetenv("DEBUGINFOD_URLS");
  unsetenv("DEBUGINFOD_TIMEOUT");
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(sym.function, "sigstorm_test_c_function") << "the module was looked up";
  EXPECT_EQ(sym.file, std::nullopt);
  const int asked = accept(server, nullptr, nullptr);
  EXPECT_LT(asked, 0) << "sigstorm connected to the debuginfod server " << url;
  if (asked >= 0) close(asked);
  close(server);
  struct stat st {};
  EXPECT_NE(0, stat((c.dir + "/debuginfod_client").c_str(), &st)) << "a debuginfod cache was written";
}

TEST(Symbolize, Demangle) {
  EXPECT_EQ(demangle("_ZN3foo3barEi"), "foo::bar(int)");
  EXPECT_EQ(demangle("printf"), "printf");
  EXPECT_EQ(demangle("_Znot-mangled"), "_Znot-mangled");
  EXPECT_EQ(demangle(""), "");
}

}  // namespace
}  // namespace sigstorm
