// Which sanitizer runtime a program carries, read with libelf: gcc links the
// shared runtime (DT_NEEDED libasan.so.8), clang links it statically into
// the executable (its __asan_init is a defined symbol there).
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "inject/run/program.h"

namespace sigstorm {
namespace {

struct Runtime {
  const char* name;
  const char* init_symbol;                 // defined in a static runtime
  std::vector<std::string_view> needed;    // prefixes of a shared runtime's DT_NEEDED entry
  // Its interceptors (malloc, ...) must come before the shim's: ASan
  // refuses to start otherwise, TSan would name the shim's wrappers.
  bool runtime_first;
};

// In the order of precedence: clang's ASan, TSan and MSan runtimes carry
// UBSan's handlers too, so UBSan is the runtime only when no other is.
const std::vector<Runtime>& runtimes() {
  static const std::vector<Runtime> table = {
      {"MemorySanitizer", "__msan_init", {"libclang_rt.msan"}, true},
      {"ThreadSanitizer", "__tsan_init", {"libtsan.so.", "libclang_rt.tsan"}, true},
      {"AddressSanitizer", "__asan_init", {"libasan.so.", "libclang_rt.asan"}, true},
      {"LeakSanitizer", "__lsan_init", {"liblsan.so.", "libclang_rt.lsan"}, true},
      // UBSan intercepts nothing: the shim's malloc wrappers stay the program's.
      {"UndefinedBehaviorSanitizer", "__ubsan_handle_", {"libubsan.so.", "libclang_rt.ubsan"}, false},
  };
  return table;
}

struct ElfFacts {
  std::vector<std::string> needed;
  std::vector<std::string> defined;  // the symbols that name a runtime, defined here
};

bool names_runtime(const char* sym) {
  for (const Runtime& r : runtimes())
    if (std::strncmp(sym, r.init_symbol, std::strlen(r.init_symbol)) == 0) return true;
  return false;
}

ElfFacts read_facts(const std::string& path) {
  ElfFacts facts;
  if (elf_version(EV_CURRENT) == EV_NONE) return facts;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return facts;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  for (Elf_Scn* scn = elf ? elf_nextscn(elf, nullptr) : nullptr; scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    const size_t n = sh.sh_size / sh.sh_entsize;
    if (sh.sh_type == SHT_DYNAMIC) {
      for (size_t i = 0; i < n; ++i) {
        GElf_Dyn d;
        if (!gelf_getdyn(data, static_cast<int>(i), &d) || d.d_tag != DT_NEEDED) continue;
        if (const char* s = elf_strptr(elf, sh.sh_link, d.d_un.d_val)) facts.needed.emplace_back(s);
      }
    } else if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) {
      for (size_t i = 0; i < n; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(data, static_cast<int>(i), &sym) || sym.st_shndx == SHN_UNDEF) continue;
        const char* s = elf_strptr(elf, sh.sh_link, sym.st_name);
        if (s && names_runtime(s)) facts.defined.emplace_back(s);
      }
    }
  }
  if (elf) elf_end(elf);
  ::close(fd);
  return facts;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Sanitizer detect_sanitizer(const std::string& path) {
  const ElfFacts facts = read_facts(path);
  for (const Runtime& r : runtimes()) {
    Sanitizer s{r.name, "", false};
    for (const std::string& needed : facts.needed)
      for (std::string_view prefix : r.needed)
        if (starts_with(needed, prefix)) {
          // As the program names it: the loader searches an LD_PRELOAD entry
          // like the program's own DT_NEEDED (its RUNPATH, LD_LIBRARY_PATH,
          // ld.so.cache), so it maps the very runtime the program would.
          s.runtime = needed;
          s.runtime_first = r.runtime_first;
          return s;
        }
    for (const std::string& sym : facts.defined)
      if (starts_with(sym, r.init_symbol)) return s;
  }
  return {};
}

}  // namespace sigstorm
