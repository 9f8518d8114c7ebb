// libsigstorm.so's dynamic symbol table against the shim's rules
// (README.md, docs/DESIGN.md, preload/CMakeLists.txt):
//
//   - it exports the interposers generated from inject/wire/functions.def and
//     the documented sigstorm_fuzz_* C API (preload/fuzz_api.cpp), nothing
//     else;
//   - what it imports is a short list, each entry safe where the shim calls
//     it: on a signal path only async-signal-safe functions (and variables,
//     which are no call at all); anything else only at start-up;
//   - it needs neither libstdc++ nor libunwind (dlopen()ed RTLD_LOCAL at
//     start-up on purpose, preload/stack.cpp) and has no text relocations.
//
// The real functions behind the interposers are reached through pointers
// dlsym()ed at start-up (preload/resolve.cpp), so they are not imports: this
// test sees only what the shim calls through its own PLT/GOT.
//
// The ELF is read with elfutils' libelf (gelf), as the engine does.
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inject/options/functions.h"

#ifndef SIGSTORM_SHIM_PATH
#error "tests/CMakeLists.txt defines SIGSTORM_SHIM_PATH as $<TARGET_FILE:sigstorm>"
#endif
#ifndef SIGSTORM_AUDIT_PATH
#error "tests/CMakeLists.txt defines SIGSTORM_AUDIT_PATH as $<TARGET_FILE:sigstorm_audit>"
#endif

namespace sigstorm {
namespace {

// ---------------------------------------------------------------------------
// The rules, as data.

// The documented C API beside the interposers (preload/fuzz_api.cpp).
constexpr std::string_view kFuzzApi[] = {
    "sigstorm_fuzz_version", "sigstorm_fuzz_attach", "sigstorm_fuzz_begin",
    "sigstorm_fuzz_end",     "sigstorm_fuzz_call",
};

// The audit library's channel (preload/audit_link.cpp): the shim calls it
// through its own PLT so that libsigstorm-audit.so can redirect the binding.
constexpr std::string_view kAuditApi[] = {"sigstorm_audit_hook"};

struct Justified {
  std::string_view name;
  std::string_view reason;
};

// Functions the shim exports for interpreters' start-up hooks, which call
// them by name (ctypes.CDLL(None)); each with the reason it must be seen.
constexpr Justified kHookApi[] = {
    {"sigstorm_handler_exception",
     "preload/python/sitecustomize.py reports an exception that left a Python signal handler (handler-exception); "
     "Python has no other way into the shim (preload/script.cpp)"},
    {"sigstorm_timer_stack",
     "preload/python/sitecustomize.py gives the Python stack of a signal.alarm/setitimer call armed with no "
     "handler, shown if the timer kills the process (default-action, preload/default_action.cpp)"},
};

// Data objects the shim may export. None: its state is hidden, and a program
// or another library must not be able to bind to (or interpose) it.
constexpr std::array<Justified, 0> kDataExports{};

// Where an import may run, which says why it is safe there.
enum class Use {
  Posix,     // may run on a signal path; on POSIX's async-signal-safe list
             // (signal-safety(7); checked against sigstorm's copy of it)
  Glibc,     // may run on a signal path; not on POSIX's list, but in glibc a
             // plain read of per-thread or constant state: no lock, no malloc
  Variable,  // a data object read in place: no call at all
  StartUp,   // never on a signal path: the constructor (preload/init.cpp) or
             // the fuzz harness's attach/begin, between scenarios
  Crt,       // a weak reference from the toolchain's crtbeginS.o/crti.o, not
             // sigstorm's code; must stay weak
};

std::string_view use_name(Use u) {
  switch (u) {
    case Use::Posix: return "posix";
    case Use::Glibc: return "glibc";
    case Use::Variable: return "variable";
    case Use::StartUp: return "start-up";
    case Use::Crt: return "crt";
  }
  return "?";
}

struct Import {
  std::string_view name;
  Use use;
  std::string_view reason;
};

// Everything libsigstorm.so may import. Derived from
// `nm -D --undefined-only libsigstorm.so` (glibc 2.34+, GCC, x86-64) and
// each entry traced to its caller in preload/. Add an entry only with the
// reason it is safe where the shim calls it.
constexpr Import kImports[] = {
    // ---- on a signal path: async-signal-safe per POSIX ----
    {"sigemptyset", Use::Posix, "pure bit operation; the sigaction interposer and the trampoline build masks"},
    {"sigfillset", Use::Posix, "pure bit operation; start_timer_thread blocks every signal for the timer thread"},
    {"sigismember", Use::Posix, "pure bit operation; the handler check (check.cpp) and injection (inject.cpp)"},
    {"clock_gettime", Use::Posix, "CLOCK_MONOTONIC through glibc's vDSO (no system call): the timeline stamps injections and handler runs (timeline.cpp)"},
    {"getsockopt", Use::Posix, "a system call; recv/send/connect/accept interposers ask for SO_RCVTIMEO/SO_SNDTIMEO"},
    {"memcpy", Use::Posix, "pure; the realloc interposer copies out of the bootstrap arena"},
    {"memmove", Use::Posix, "pure; resolve_frames shifts its /proc/self/maps line buffer"},
    {"memchr", Use::Posix, "pure; resolve_frames finds line ends in /proc/self/maps"},
    {"strlen", Use::Posix, "pure; init.cpp's environment parsing (start-up in fact)"},
    {"strncmp", Use::Posix, "pure; init.cpp's environment parsing (start-up in fact)"},
    {"strcmp", Use::Posix, "pure; inject.cpp matches target=exe:NAME against the program (start-up and fork child)"},
    // ---- on a signal path: safe in glibc, not on POSIX's list ----
    {"__errno_location", Use::Glibc, "errno itself: returns the thread's errno slot, thread pointer + offset"},
    {"__libc_current_sigrtmax", Use::Glibc, "SIGRTMAX: returns a constant set at libc start-up; the trampoline's probe test"},
    // ---- variables ----
    {"__libc_single_threaded", Use::Variable, "read on the hot path (call_point.h) to skip atomics"},
    {"environ", Use::Variable, "read by the exec interposers (execve is AS-safe) and at start-up"},
    {"__environ", Use::Variable, "glibc's strong alias of environ; ld adds it to the dynamic table with environ"},
    {"_r_debug", Use::Variable, "ld.so's r_state, read only before the constructor (by the first sigaction, malloc or calloc): whether the loader is still mapping and relocating the initial objects (a sanitizer started from the loader's own calloc under LD_AUDIT; libc's malloc must not start there)"},
    // ---- start-up only ----
    {"dlsym", Use::StartUp, "resolve_all in the constructor (or an earlier constructor's first interposed call); libunwind's entry points in stack_init"},
    {"dlvsym", Use::StartUp, "resolve_all: the VERSIONED rows (pthread_cond_* at GLIBC_2.3.2)"},
    {"dladdr", Use::StartUp, "sanitizer_init tells the shim's definitions from a sanitizer's"},
    {"__sanitizer_install_malloc_and_free_hooks", Use::StartUp, "weak: defined only by a sanitizer runtime in the process; sanitizer_init installs the allocator hooks through it"},
    {"dladdr1", Use::StartUp, "sanitizer_init: the size of each sanitizer interceptor (RTLD_DL_SYMENT), to name the one a handler called"},
    {"dl_iterate_phdr", Use::StartUp, "sigstorm_init finds the shim's own path, stack_init its own text; takes the loader's lock"},
    {"__register_atfork", Use::StartUp, "on_fork_child (what libc_nonshared.a's pthread_atfork calls) in sigstorm_init and audit_attach; allocates, locks"},
    {"pthread_create", Use::StartUp, "the timer thread: inject_init from the constructor or sigstorm_fuzz_attach/begin"},
    {"pthread_attr_init", Use::StartUp, "the timer thread's attributes (start_timer_thread)"},
    {"pthread_attr_destroy", Use::StartUp, "the timer thread's attributes (start_timer_thread)"},
    {"pthread_attr_setdetachstate", Use::StartUp, "the timer thread is detached (start_timer_thread)"},
    {"pthread_attr_setstacksize", Use::StartUp, "the timer thread's 64 KiB stack (start_timer_thread)"},
    // ---- toolchain start files: weak, null unless their provider is loaded ----
    {"__cxa_finalize", Use::Crt, "crtbeginS.o's __do_global_dtors_aux, at exit only (-z nodelete: never dlclose); libc's, not libstdc++'s"},
    {"__gmon_start__", Use::Crt, "crti.o's gprof hook, null unless built with -pg"},
    {"_ITM_registerTMCloneTable", Use::Crt, "crtbeginS.o's transactional-memory hook, null unless libitm is loaded"},
    {"_ITM_deregisterTMCloneTable", Use::Crt, "crtbeginS.o's transactional-memory hook, null unless libitm is loaded"},
};

// Never imported, whatever the allowlist says: each one allocates, does
// stdio, takes a lock, or drags in the C++ runtime or an unwinder.
struct Forbidden {
  std::string_view pattern;
  bool prefix;
  std::string_view why;
};

constexpr Forbidden kForbidden[] = {
    {"malloc", false, "allocates"},
    {"calloc", false, "allocates"},
    {"realloc", false, "allocates"},
    {"reallocarray", false, "allocates"},
    {"free", false, "allocator lock"},
    {"posix_memalign", false, "allocates"},
    {"aligned_alloc", false, "allocates"},
    {"memalign", false, "allocates"},
    {"valloc", false, "allocates"},
    {"pvalloc", false, "allocates"},
    {"strdup", false, "allocates"},
    {"strndup", false, "allocates"},
    {"__libc_malloc", false, "allocates"},
    {"__libc_free", false, "allocator lock"},
    {"printf", false, "stdio"},
    {"fprintf", false, "stdio"},
    {"sprintf", false, "stdio (locale, may allocate)"},
    {"snprintf", false, "stdio (locale, may allocate)"},
    {"dprintf", false, "stdio"},
    {"asprintf", false, "stdio, allocates"},
    {"vprintf", false, "stdio"},
    {"vfprintf", false, "stdio"},
    {"vsprintf", false, "stdio (locale, may allocate)"},
    {"vsnprintf", false, "stdio (locale, may allocate)"},
    {"vdprintf", false, "stdio"},
    {"vasprintf", false, "stdio, allocates"},
    {"__printf_chk", false, "stdio"},
    {"__fprintf_chk", false, "stdio"},
    {"__sprintf_chk", false, "stdio"},
    {"__snprintf_chk", false, "stdio"},
    {"__vsnprintf_chk", false, "stdio"},
    {"__vfprintf_chk", false, "stdio"},
    {"puts", false, "stdio"},
    {"fputs", false, "stdio"},
    {"fputc", false, "stdio"},
    {"putc", false, "stdio"},
    {"putchar", false, "stdio"},
    {"fwrite", false, "stdio"},
    {"fopen", false, "stdio, allocates"},
    {"fopen64", false, "stdio, allocates"},
    {"fdopen", false, "stdio, allocates"},
    {"fclose", false, "stdio, frees"},
    {"fflush", false, "stdio lock"},
    {"perror", false, "stdio"},
    {"strerror", false, "locale, may allocate"},
    {"syslog", false, "stdio, lock"},
    {"getenv", false, "not AS-safe; the shim walks environ itself"},
    {"setenv", false, "allocates, environment lock"},
    {"putenv", false, "environment lock"},
    {"localtime", false, "tz lock"},
    {"localtime_r", false, "tz lock"},
    {"exit", false, "runs atexit handlers and stdio flushing"},
    {"atexit", false, "allocates, lock"},
    {"__assert_fail", false, "formats with stdio and malloc"},
    {"dlopen", false, "loader lock, allocates; libunwind is opened through real::dlopen at start-up"},
    {"dlclose", false, "loader lock"},
    {"dlerror", false, "allocates its message"},
    {"__tls_get_addr", false, "dynamic TLS may allocate on first use; the shim's TLS is initial-exec"},
    {"pthread_mutex_", true, "lock"},
    {"pthread_rwlock_", true, "lock"},
    {"pthread_cond_", true, "lock"},
    {"pthread_spin_", true, "lock"},
    {"pthread_once", false, "lock"},
    {"pthread_key_create", false, "lock"},
    {"sem_wait", false, "blocks"},
    {"_Z", true, "C++: operator new/delete, std::"},
    {"__cxa_", true, "the C++ runtime (guards, exceptions, atexit)"},
    {"__gxx_personality", true, "C++ exceptions"},
    {"_Unwind_", true, "an unwinder"},
    {"unw_", true, "libunwind, which is dlopen()ed privately"},
    {"_UL", true, "libunwind's local-unwinding entry points"},
    {"_Ux86_64_", true, "libunwind"},
    {"_Uaarch64_", true, "libunwind"},
};

// The forbidden patterns' exceptions: a toolchain reference, not sigstorm's.
constexpr std::string_view kForbiddenExceptions[] = {
    "__cxa_finalize",  // crtbeginS.o, weak; see kImports
};

const Forbidden* forbidden(std::string_view name) {
  for (std::string_view e : kForbiddenExceptions)
    if (name == e) return nullptr;
  for (const Forbidden& f : kForbidden)
    if (f.prefix ? name.starts_with(f.pattern) : name == f.pattern) return &f;
  return nullptr;
}

// Libraries the shim must not need: the C++ runtime (and the ABI it would
// interpose), libunwind (its _Unwind_* would replace libgcc_s's in every C++
// program), and libgcc_s (the shim links libgcc statically).
constexpr Justified kForbiddenNeeded[] = {
    {"libstdc++", "the shim is built without exceptions and RTTI; no C++ runtime in other people's programs"},
    {"libunwind", "dlopen()ed RTLD_LOCAL at start-up instead (preload/stack.cpp)"},
    {"libgcc_s", "linked -static-libgcc (preload/CMakeLists.txt)"},
};

// ---------------------------------------------------------------------------
// The shim's dynamic symbol table and dynamic section.

struct DynSym {
  std::string name;
  unsigned type;
  unsigned bind;
  unsigned vis;
  bool defined;
};

struct ShimElf {
  std::string error;  // empty when read
  std::vector<DynSym> syms;
  std::vector<std::string> needed;
  bool textrel = false;
  bool have_dynsym = false;
  bool have_dynamic = false;
};

ShimElf read_elf(const char* path) {
  ShimElf out;
  if (elf_version(EV_CURRENT) == EV_NONE) {
    out.error = std::string("libelf: ") + elf_errmsg(-1);
    return out;
  }
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.error = std::string("cannot open ") + path;
    return out;
  }
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  GElf_Ehdr eh;
  if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_type != ET_DYN) {
    out.error = std::string(path) + " is not an ELF shared object: " + elf_errmsg(-1);
    if (e) elf_end(e);
    ::close(fd);
    return out;
  }
  for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    const size_t n = sh.sh_size / sh.sh_entsize;
    if (sh.sh_type == SHT_DYNSYM) {
      out.have_dynsym = true;
      for (size_t i = 1; i < n; ++i) {  // 0 is the null symbol
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s)) continue;
        const char* name = elf_strptr(e, sh.sh_link, s.st_name);
        out.syms.push_back({name ? name : "", GELF_ST_TYPE(s.st_info), GELF_ST_BIND(s.st_info),
                            GELF_ST_VISIBILITY(s.st_other), s.st_shndx != SHN_UNDEF});
      }
    } else if (sh.sh_type == SHT_DYNAMIC) {
      out.have_dynamic = true;
      for (size_t i = 0; i < n; ++i) {
        GElf_Dyn d;
        if (!gelf_getdyn(data, (int)i, &d) || d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_NEEDED) {
          const char* lib = elf_strptr(e, sh.sh_link, d.d_un.d_val);
          out.needed.push_back(lib ? lib : "?");
        }
        if (d.d_tag == DT_TEXTREL) out.textrel = true;
        if (d.d_tag == DT_FLAGS && (d.d_un.d_val & DF_TEXTREL)) out.textrel = true;
      }
    }
  }
  elf_end(e);
  ::close(fd);
  if (!out.have_dynsym) out.error = std::string(path) + " has no .dynsym";
  else if (!out.have_dynamic) out.error = std::string(path) + " has no .dynamic";
  return out;
}

const ShimElf& shim() {
  static const ShimElf elf = read_elf(SIGSTORM_SHIM_PATH);
  return elf;
}

#define ASSERT_SHIM_READ() \
  ASSERT_TRUE(shim().error.empty()) << shim().error << " (SIGSTORM_SHIM_PATH=" SIGSTORM_SHIM_PATH ")"

// Visible to the dynamic linker from outside: not local, not hidden/internal.
bool exported(const DynSym& s) {
  return s.defined && s.bind != STB_LOCAL && (s.vis == STV_DEFAULT || s.vis == STV_PROTECTED);
}

bool is_function(const DynSym& s) { return s.type == STT_FUNC || s.type == STT_GNU_IFUNC; }

std::string_view type_name(unsigned t) {
  switch (t) {
    case STT_NOTYPE: return "NOTYPE";
    case STT_OBJECT: return "OBJECT";
    case STT_FUNC: return "FUNC";
    case STT_TLS: return "TLS";
    case STT_COMMON: return "COMMON";
    case STT_GNU_IFUNC: return "IFUNC";
    default: return "OTHER";
  }
}

std::string_view bind_name(unsigned b) {
  switch (b) {
    case STB_GLOBAL: return "GLOBAL";
    case STB_WEAK: return "WEAK";
    case STB_GNU_UNIQUE: return "UNIQUE";
    default: return "LOCAL";
  }
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += "\n    " + n;
  return out;
}

const Import* find_import(std::string_view name) {
  for (const Import& i : kImports)
    if (i.name == name) return &i;
  return nullptr;
}

// ---------------------------------------------------------------------------

TEST(ShimSymbols, ExportsExactlyTheTableAndTheFuzzApi) {
  ASSERT_SHIM_READ();
  std::set<std::string> expected;
  for (const FunctionInfo& f : functions()) expected.emplace(f.name);
  ASSERT_GT(expected.size(), 100u) << "inject/wire/functions.def looks empty";
  for (std::string_view name : kFuzzApi) expected.emplace(name);
  for (std::string_view name : kAuditApi) expected.emplace(name);
  for (const Justified& j : kHookApi) expected.emplace(j.name);

  std::set<std::string> actual;
  for (const DynSym& s : shim().syms)
    if (exported(s) && is_function(s)) actual.insert(s.name);

  std::set<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::inserter(extra, extra.end()));
  EXPECT_TRUE(missing.empty() && extra.empty())
      << SIGSTORM_SHIM_PATH " must export exactly the rows of inject/wire/functions.def and the "
      << std::size(kFuzzApi) << " sigstorm_fuzz_* functions (" << expected.size() << " names; it exports "
      << actual.size() << ").\n  missing (expected, not exported):" << (missing.empty() ? " none" : join(missing))
      << "\n  extra (exported, not in the table or the C API; give it hidden visibility):"
      << (extra.empty() ? " none" : join(extra));
}

TEST(ShimSymbols, ExportsNoDataUnlessJustified) {
  ASSERT_SHIM_READ();
  std::set<std::string> unjustified;
  for (const DynSym& s : shim().syms) {
    if (!exported(s) || is_function(s)) continue;
    const bool justified = std::any_of(kDataExports.begin(), kDataExports.end(),
                                       [&](const Justified& j) { return j.name == s.name; });
    if (!justified) unjustified.insert(s.name + " (" + std::string(type_name(s.type)) + ")");
  }
  EXPECT_TRUE(unjustified.empty())
      << SIGSTORM_SHIM_PATH " exports symbols that are not functions; hide them, or list them in "
         "kDataExports with the reason a program must see them:"
      << join(unjustified);
}

TEST(ShimSymbols, ImportsOnlyTheAllowlist) {
  ASSERT_SHIM_READ();
  std::set<std::string> unlisted, misfiled;
  std::set<std::string> imported;
  for (const DynSym& s : shim().syms) {
    if (s.defined || s.name.empty()) continue;
    imported.insert(s.name);
    const std::string what =
        s.name + " (" + std::string(bind_name(s.bind)) + " " + std::string(type_name(s.type)) + ")";
    const Import* entry = find_import(s.name);
    if (!entry) {
      unlisted.insert(what);
      continue;
    }
    // The entry's kind must match what the shim imports.
    if (entry->use == Use::Crt && s.bind != STB_WEAK)
      misfiled.insert(what + ": listed as a weak crt reference, imported strongly (sigstorm code calls it?)");
    if (entry->use == Use::Variable && is_function(s))
      misfiled.insert(what + ": listed as a variable, imported as a function");
    if (entry->use != Use::Variable && s.type == STT_OBJECT)
      misfiled.insert(what + ": imported as data, listed as " + std::string(use_name(entry->use)));
  }
  EXPECT_TRUE(unlisted.empty())
      << SIGSTORM_SHIM_PATH " imports symbols that are not on kImports in " __FILE__
         ". The shim runs inside signal handlers: add each only with the reason it is safe "
         "where it is called (async-signal-safe on a signal path, or start-up only):"
      << join(unlisted);
  EXPECT_TRUE(misfiled.empty()) << "kImports entries whose kind does not match the import:" << join(misfiled);

  // Entries no longer imported (a compiler that inlines memchr, another
  // toolchain's crt files) are fine; say so, so the list can be pruned.
  std::set<std::string> unused;
  for (const Import& i : kImports)
    if (!imported.count(std::string(i.name))) unused.emplace(i.name);
  if (!unused.empty()) std::printf("[ note ] kImports entries not imported today:%s\n", join(unused).c_str());
}

TEST(ShimSymbols, ImportsNothingUnsafe) {
  ASSERT_SHIM_READ();
  std::set<std::string> bad;
  for (const DynSym& s : shim().syms) {
    if (s.defined || s.name.empty()) continue;
    if (const Forbidden* f = forbidden(s.name)) bad.insert(s.name + ": " + std::string(f->why));
  }
  EXPECT_TRUE(bad.empty()) << SIGSTORM_SHIM_PATH " imports what the shim must never call:" << join(bad);
}

TEST(ShimSymbols, AllowlistIsHonest) {
  std::set<std::string> names, problems;
  for (const Import& i : kImports) {
    const std::string name(i.name);
    if (!names.insert(name).second) problems.insert(name + ": listed twice");
    if (i.reason.empty()) problems.insert(name + ": no reason");
    if (const Forbidden* f = forbidden(i.name))
      problems.insert(name + ": allowlisted but forbidden (" + std::string(f->why) + ")");
    if (i.use == Use::Posix && !is_posix_async_signal_safe(i.name))
      problems.insert(name + ": listed as POSIX async-signal-safe, but signal-safety(7) does not list it");
  }
  EXPECT_TRUE(problems.empty()) << "kImports in " __FILE__ ":" << join(problems);
  EXPECT_EQ(find_import("__tls_get_addr"), nullptr) << "the shim's TLS is initial-exec";
}

TEST(ShimSymbols, NeedsOnlyPlainLibrariesAndHasNoTextrel) {
  ASSERT_SHIM_READ();
  std::set<std::string> bad;
  std::string all;
  for (const std::string& lib : shim().needed) {
    all += " " + lib;
    for (const Justified& f : kForbiddenNeeded)
      if (std::string_view(lib).starts_with(f.name)) bad.insert(lib + ": " + std::string(f.reason));
  }
  EXPECT_TRUE(bad.empty()) << SIGSTORM_SHIM_PATH " has DT_NEEDED entries it must not have (it needs:" << all
                           << "):" << join(bad);
  EXPECT_FALSE(shim().textrel)
      << SIGSTORM_SHIM_PATH " has text relocations (DT_TEXTREL or DF_TEXTREL): some object was not "
         "built -fPIC, and the loader would have to write to the shim's code";
}

// libsigstorm-audit.so lives in a link namespace of its own: whatever it
// needs is loaded a second time into every process of a run (a libc there
// cost each process ~30 page faults and ~0.1 ms). So it needs nothing,
// imports nothing, and shows the dynamic linker only the rtld-audit(7)
// entry points (its own memcpy and friends stay local).
TEST(AuditLibrarySymbols, NeedsNothingImportsNothingExportsTheAuditInterface) {
  const ShimElf audit = read_elf(SIGSTORM_AUDIT_PATH);
  ASSERT_TRUE(audit.error.empty()) << audit.error;
  std::string needed;
  for (const std::string& lib : audit.needed) needed += " " + lib;
  EXPECT_TRUE(audit.needed.empty()) << SIGSTORM_AUDIT_PATH " has DT_NEEDED entries:" << needed;
  std::set<std::string> imported, exports;
  for (const DynSym& s : audit.syms) {
    if (s.name.empty()) continue;
    if (!s.defined) imported.insert(s.name);
    else if (exported(s)) exports.insert(s.name);
  }
  EXPECT_TRUE(imported.empty()) << SIGSTORM_AUDIT_PATH " imports:" << join(imported);
  const std::set<std::string> want = {"la_objclose", "la_objopen", "la_symbind64", "la_version"};
  EXPECT_EQ(exports, want) << SIGSTORM_AUDIT_PATH " exports:" << join(exports);
  EXPECT_FALSE(audit.textrel) << SIGSTORM_AUDIT_PATH " has text relocations";
}

// The shim's small globals share a few pages of .bss: every page a
// process's start-up writes is a fault, in every process of a run. A large
// zero-initialized buffer declared without SIGSTORM_COLD_BSS
// (preload/cold_bss.h) lands between them and spreads them out again.
// What every process writes as it starts is in .data (SIGSTORM_HOT): that
// must end on the page where .bss begins, which the loader writes anyway.
// (clang 14 cannot place such buffers; the product build is gcc's.)
#if !defined(__clang__)
TEST(ShimLayout, SmallGlobalsStayOnFewPages) {
  ASSERT_NE(elf_version(EV_CURRENT), EV_NONE);
  const int fd = ::open(SIGSTORM_SHIM_PATH, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << SIGSTORM_SHIM_PATH;
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  ASSERT_NE(e, nullptr) << elf_errmsg(-1);
  size_t shstrndx = 0;
  ASSERT_EQ(elf_getshdrstrndx(e, &shstrndx), 0);
  uint64_t bss = 0, lbss = 0, data_at = 0, data_size = 0, bss_at = 0;
  for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const std::string_view name = elf_strptr(e, shstrndx, sh.sh_name);
    if (name == ".bss") bss = sh.sh_size, bss_at = sh.sh_addr;
    if (name == ".data") data_at = sh.sh_addr, data_size = sh.sh_size;
    if (name == ".lbss") lbss = sh.sh_size;
  }
  elf_end(e);
  ::close(fd);
  EXPECT_LE(bss, 4u * 4096) << ".bss is " << bss << " bytes: a large zero-initialized buffer belongs in SIGSTORM_COLD_BSS";
  EXPECT_GT(lbss, 64u * 1024) << "the cold buffers (the early arena, the dump buffer) are not in .lbss";
  ASSERT_GT(data_size, 0u);
  EXPECT_EQ(data_at / 4096, (data_at + data_size - 1) / 4096)
      << ".data (" << data_size << " bytes at 0x" << std::hex << data_at << ") crosses a page: SIGSTORM_HOT holds too much";
  EXPECT_EQ(data_at / 4096, bss_at / 4096) << ".bss does not begin on .data's page: the loader no longer writes it";
}
#endif

}  // namespace
}  // namespace sigstorm
