// libsigstorm-audit.so's name table (preload/audit/name_classes.h) says of
// every name what the CLI's tables say (inject/wire/safe_list.h,
// functions.def), and the auditor stays free of relocated tables: the
// loader writes every relocated page in every process of a run.
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "inject/options/functions.h"
#include "preload/audit/name_classes.h"

#ifndef SIGSTORM_AUDIT_PATH
#error "tests/CMakeLists.txt defines SIGSTORM_AUDIT_PATH as $<TARGET_FILE:sigstorm_audit>"
#endif

namespace sigstorm {
namespace {

namespace audit = sigstorm::audit;

const std::vector<std::string>& safe_rows() {
  static const std::vector<std::string> rows = {
#define SIGSTORM_SAFE(name, policy, reason) #name,
#include "inject/wire/safe_functions.def"
#undef SIGSTORM_SAFE
  };
  return rows;
}

const std::set<std::string>& interposed_rows() {
  static const std::set<std::string> rows = {
#define SIGSTORM_FN(name, ...) #name,
#include "inject/wire/functions.def"
  };
  return rows;
}

// Every listed name, glibc's other names of each (and near misses of
// them), and names on no list.
std::set<std::string> names_to_try() {
  std::set<std::string> out = {"strsignal", "g_print", "__cxa_throw", "backtrace", "random", "", "_", "__",
                               "64", "__chk", "__2", "__64_chk", "__isoc99_sscanf", "__sysv_signal",
                               std::string(300, 'a'), "__asan_report_load8", "__tsan_read4"};
  std::vector<std::string> base(safe_rows());
  base.insert(base.end(), interposed_rows().begin(), interposed_rows().end());
  for (const char* n : {"dlsym", "dlopen", "setjmp", "vfork", "pthread_exit", "_Unwind_Resume"}) base.push_back(n);
  for (const std::string& n : base) {
    for (const std::string& v : {n, n + "64", "__" + n + "_chk", "__" + n + "_2", "__" + n + "64_chk",
                                 "__" + n + "64_2", "__" + n, n + "_chk", n + "6", "_" + n, n.substr(1),
                                 n.substr(0, n.size() - 1), n + "x"})
      out.insert(v);
  }
  return out;
}

TEST(AuditNames, SafeAsTheCliSaysUnderBothPolicies) {
  size_t posix = 0, linux_ = 0;
  for (const std::string& n : names_to_try()) {
    const uint8_t c = audit::classes_of(n);
    for (wire::Policy p : {wire::kPolicyPosix, wire::kPolicyLinux})
      EXPECT_EQ(audit::safe_classes(c, p), wire::safe_under(n, p)) << '"' << n << "\" under policy " << p;
    posix += audit::safe_classes(c, wire::kPolicyPosix);
    linux_ += audit::safe_classes(c, wire::kPolicyLinux);
  }
  // The comparison saw both answers under both policies.
  EXPECT_GT(posix, safe_rows().size() / 2);
  EXPECT_GT(linux_, posix);
  EXPECT_LT(linux_, names_to_try().size());
}

TEST(AuditNames, InterposedExactlyTheTableRows) {
  for (const std::string& n : names_to_try())
    EXPECT_EQ((audit::classes_of(n) & audit::kInterposedByShim) != 0, interposed_rows().count(n) == 1) << n;
  EXPECT_EQ(interposed_rows().size(), functions().size());
}

TEST(AuditNames, TailOnlyAndNeverStubbed) {
  for (const char* n : {"dlsym", "dlopen", "dlvsym", "backtrace", "__cxa_throw", "_Unwind_RaiseException", "pthread_exit"})
    EXPECT_TRUE(audit::classes_of(n) & audit::kTailOnly) << n;
  for (const char* n : {"setjmp", "_setjmp", "__sigsetjmp", "vfork", "getcontext", "__libc_start_main"})
    EXPECT_TRUE(audit::classes_of(n) & audit::kNeverStubbed) << n;
  for (const char* n : {"dlsym64", "__dlsym_chk", "malloc", "strsignal", "setjm", "vforkx"})
    EXPECT_FALSE(audit::classes_of(n) & (audit::kTailOnly | audit::kNeverStubbed)) << n;
  // A name on two lists keeps both classes.
  ASSERT_EQ(interposed_rows().count("read"), 1u);
  EXPECT_EQ(audit::classes_of("read"), audit::kPosixSafe | audit::kInterposedByShim);
}

struct AuditElf {
  uint64_t relro = 0;     // .data.rel.ro bytes
  size_t relative = 0;    // R_X86_64_RELATIVE relocations
  size_t relocations = 0;
  std::set<uint64_t> written_pages;  // of .init_array, .dynamic, .data and .bss's start
  bool read = false;
};

AuditElf read_audit_elf() {
  AuditElf out;
  if (elf_version(EV_CURRENT) == EV_NONE) return out;
  const int fd = ::open(SIGSTORM_AUDIT_PATH, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  size_t shstrndx = 0;
  if (e && elf_getshdrstrndx(e, &shstrndx) == 0) {
    out.read = true;
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) continue;
      const std::string_view name = elf_strptr(e, shstrndx, sh.sh_name);
      if (name == ".data.rel.ro") out.relro = sh.sh_size;
      if (name == ".init_array" || name == ".dynamic" || name == ".data" || name == ".bss")
        out.written_pages.insert(sh.sh_addr / 4096);
      if (sh.sh_type != SHT_RELA || !(sh.sh_flags & SHF_ALLOC)) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      const size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
      for (size_t i = 0; i < n; ++i) {
        GElf_Rela r;
        if (!gelf_getrela(d, (int)i, &r)) continue;
        ++out.relocations;
        if (GELF_R_TYPE(r.r_info) == R_X86_64_RELATIVE) ++out.relative;
      }
    }
  }
  if (e) elf_end(e);
  ::close(fd);
  return out;
}

// A table of pointers (string_view, const char*) in the auditor is a
// relocation per entry, and its pages are written by the loader in every
// process. What remains: its constructor and a few addresses of its own.
TEST(AuditLayout, NoRelocatedTables) {
  const AuditElf a = read_audit_elf();
  ASSERT_TRUE(a.read) << SIGSTORM_AUDIT_PATH;
  EXPECT_LE(a.relro, 4096u) << ".data.rel.ro is " << a.relro
                            << " bytes: a table of pointers; make it offsets into one blob (name_classes.h)";
  EXPECT_LE(a.relative, 16u) << a.relative << " R_X86_64_RELATIVE relocations";
  EXPECT_GE(a.relative, 1u) << "the constructor's address at least: did the count read .rela.dyn?";
}

// What the loader writes (the relocated constructor address, .dynamic, the
// zeroed start of .bss) and the state every process writes first share one
// page: with RELRO, .init_array and .dynamic were a page of their own, read
// then written, two more faults in every process (preload/audit/CMakeLists.txt).
TEST(AuditLayout, WhatTheLoaderWritesIsOnePage) {
  const AuditElf a = read_audit_elf();
  ASSERT_TRUE(a.read) << SIGSTORM_AUDIT_PATH;
  EXPECT_EQ(a.written_pages.size(), 1u) << ".init_array, .dynamic, .data and .bss begin on "
                                        << a.written_pages.size() << " pages";
}

}  // namespace
}  // namespace sigstorm
