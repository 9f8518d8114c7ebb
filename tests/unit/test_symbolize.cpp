// Symbolization with elfutils: a function of this very test binary, found
// by its module path and FILE offset as the shim records them.
#include <gtest/gtest.h>

#include <dlfcn.h>

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

TEST(Symbolize, Demangle) {
  EXPECT_EQ(demangle("_ZN3foo3barEi"), "foo::bar(int)");
  EXPECT_EQ(demangle("printf"), "printf");
  EXPECT_EQ(demangle("_Znot-mangled"), "_Znot-mangled");
  EXPECT_EQ(demangle(""), "");
}

}  // namespace
}  // namespace sigstorm
