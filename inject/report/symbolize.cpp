#include "inject/report/symbolize.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

namespace sigstorm {
namespace {

// libdw, loaded at the first module a report symbolizes: a run with
// nothing to symbolize never maps it, nor its liblzma and libbz2 (about 20
// page faults and 0.1 ms of every CLI start). The functions this file calls:
#define SIGSTORM_LIBDW_FUNCTIONS(X)                                                                    \
  X(dwarf_attr_integrate) X(dwarf_formstring) X(dwarf_getscopes) X(dwarf_getsrc_die) X(dwarf_haspc)   \
  X(dwarf_lineno) X(dwarf_linesrc) X(dwarf_tag) X(dwelf_elf_gnu_build_id) X(dwfl_begin)               \
  X(dwfl_build_id_find_debuginfo) X(dwfl_build_id_find_elf) X(dwfl_end) X(dwfl_lineinfo)              \
  X(dwfl_module_addrdie) X(dwfl_module_addrinfo) X(dwfl_module_build_id) X(dwfl_module_getelf)        \
  X(dwfl_module_getsrc) X(dwfl_module_nextcu) X(dwfl_offline_section_address) X(dwfl_report_begin)    \
  X(dwfl_report_elf) X(dwfl_report_end)

struct Libdw {
#define SIGSTORM_LIBDW_SLOT(name) decltype(&::name) name = nullptr;
  SIGSTORM_LIBDW_FUNCTIONS(SIGSTORM_LIBDW_SLOT)
#undef SIGSTORM_LIBDW_SLOT
  bool ok = false;
};

const Libdw& dw() {
  static const Libdw lib = [] {
    Libdw l;
    void* h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    const char* missing = h ? nullptr : dlerror();
#define SIGSTORM_LIBDW_LOAD(name) \
  if (h && !missing && !(l.name = reinterpret_cast<decltype(&::name)>(dlsym(h, #name)))) missing = #name;
    SIGSTORM_LIBDW_FUNCTIONS(SIGSTORM_LIBDW_LOAD)
#undef SIGSTORM_LIBDW_LOAD
    l.ok = !missing;
    if (missing) std::fprintf(stderr, "sigstorm: warning: libdw (elfutils) unusable, stacks are not symbolized: %s\n", missing);
    return l;
  }();
  return lib;
}


struct Segment {
  uint64_t offset;
  uint64_t filesz;
  uint64_t vaddr;
};

// The debuglink file `fd` belongs to the module: the same build ID.
bool same_build(Dwfl_Module* mod, int fd) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int n = dw().dwfl_module_build_id(mod, &bits, &vaddr);
  if (n <= 0) return false;
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) return false;
  const void* id = nullptr;
  const ssize_t m = dw().dwelf_elf_gnu_build_id(elf, &id);
  const bool same = m == n && std::memcmp(id, bits, static_cast<size_t>(n)) == 0;
  elf_end(elf);
  return same;
}

// Separate debuginfo from the disk only: by build ID under /usr/lib/debug
// (Debian's -dbgsym packages), else by .gnu_debuglink in GDB's places.
// dwfl_standard_find_debuginfo would then ask every debuginfod server of
// DEBUGINFOD_URLS, if the variable is set at all (empty included): a
// checker must not go to the network, write ~/.cache/debuginfod_client, or
// wait on a server (one that never answered kept `sigstorm run` of a
// stripped /bin/sh's handler 9 minutes), as no sanitizer's symbolizer does.
int find_local_debuginfo(Dwfl_Module* mod, void** userdata, const char* modname, GElf_Addr base,
                         const char* file_name, const char* debuglink, GElf_Word crc, char** found) {
  const int fd = dw().dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc, found);
  if (fd >= 0 || !file_name || !debuglink || !*debuglink) return fd;
  const std::string path = file_name;
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  for (const std::string& candidate :
       {dir + "/" + debuglink, dir + "/.debug/" + debuglink, "/usr/lib/debug" + dir + "/" + debuglink}) {
    if (candidate == path) continue;
    const int f = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
    if (f < 0) continue;
    if (same_build(mod, f)) {
      *found = ::strdup(candidate.c_str());
      return f;
    }
    ::close(f);
  }
  return -1;
}

const Dwfl_Callbacks* callbacks() {
  static const Dwfl_Callbacks cb = {
      .find_elf = dw().dwfl_build_id_find_elf,
      .find_debuginfo = find_local_debuginfo,
      .section_address = dw().dwfl_offline_section_address,
      .debuginfo_path = nullptr,
  };
  return &cb;
}

std::optional<std::string> attr_string(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  if (!dw().dwarf_attr_integrate(die, name, &attr)) return std::nullopt;
  const char* s = dw().dwarf_formstring(&attr);
  if (!s || !*s) return std::nullopt;
  return std::string(s);
}

// The compile unit whose code holds addr. libdw looks it up in
// .debug_aranges, which clang does not emit by default: then walk the units.
Dwarf_Die* cu_at(Dwfl_Module* mod, Dwarf_Addr addr, Dwarf_Addr* bias) {
  if (Dwarf_Die* cu = dw().dwfl_module_addrdie(mod, addr, bias)) return cu;
  Dwarf_Die* cu = nullptr;
  while ((cu = dw().dwfl_module_nextcu(mod, cu, bias)) != nullptr)
    if (dw().dwarf_haspc(cu, addr - *bias) > 0) return cu;
  return nullptr;
}

// The name of the innermost function (inlined or not) whose code holds addr.
std::optional<std::string> dwarf_function(Dwfl_Module* mod, Dwarf_Addr addr) {
  Dwarf_Addr cubias = 0;
  Dwarf_Die* cudie = cu_at(mod, addr, &cubias);
  if (!cudie) return std::nullopt;
  Dwarf_Die* scopes = nullptr;
  const int n = dw().dwarf_getscopes(cudie, addr - cubias, &scopes);
  std::optional<std::string> name;
  for (int i = 0; i < n && !name; ++i) {
    const int tag = dw().dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) continue;
    if (auto linkage = attr_string(&scopes[i], DW_AT_linkage_name)) {
      name = demangle(*linkage);
    } else if (auto mips = attr_string(&scopes[i], DW_AT_MIPS_linkage_name)) {
      name = demangle(*mips);
    } else {
      name = attr_string(&scopes[i], DW_AT_name);
    }
  }
  std::free(scopes);
  return name;
}

}  // namespace

std::string demangle(std::string_view name) {
  if (name.size() < 2 || name.substr(0, 2) != "_Z") return std::string(name);
  std::string copy(name);
  int status = 0;
  char* out = abi::__cxa_demangle(copy.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) {
    std::free(out);
    return copy;
  }
  std::string result(out);
  std::free(out);
  return result;
}

std::optional<Placed> place_in_process(int pid, uint64_t address) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(maps, line);) {
    // "lo-hi perms offset dev inode   path"
    uint64_t lo = 0, hi = 0, off = 0;
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &lo, &hi, &off,
                    &path_at) < 3)
      continue;
    if (address < lo || address >= hi) continue;
    if (path_at <= 0 || static_cast<size_t>(path_at) >= line.size() || line[path_at] != '/') return std::nullopt;
    return Placed{line.substr(static_cast<size_t>(path_at)), address - lo + off};
  }
  return std::nullopt;
}

struct Symbolizer::Module {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  Dwarf_Addr bias = 0;
  std::vector<Segment> segments;
  ~Module() {
    if (dwfl) dw().dwfl_end(dwfl);
  }
};

Symbolizer::Symbolizer(bool lines) : lines_(lines) {}
Symbolizer::~Symbolizer() = default;

Symbolizer::Module* Symbolizer::module(const std::string& path) {
  auto it = modules_.find(path);
  if (it != modules_.end()) return it->second.get();
  auto m = std::make_unique<Module>();
  m->dwfl = dw().ok ? dw().dwfl_begin(callbacks()) : nullptr;
  if (m->dwfl) {
    dw().dwfl_report_begin(m->dwfl);
    // Base 0, relative to p_vaddr: the module's addresses are the file's
    // own virtual addresses plus its bias (0 for ET_DYN and ET_EXEC alike).
    m->mod = dw().dwfl_report_elf(m->dwfl, path.c_str(), path.c_str(), -1, 0, true);
    dw().dwfl_report_end(m->dwfl, nullptr, nullptr);
  }
  if (m->mod) {
    GElf_Addr bias = 0;
    Elf* elf = dw().dwfl_module_getelf(m->mod, &bias);
    m->bias = bias;
    size_t phnum = 0;
    if (elf && elf_getphdrnum(elf, &phnum) == 0) {
      for (size_t i = 0; i < phnum; ++i) {
        GElf_Phdr mem;
        GElf_Phdr* ph = gelf_getphdr(elf, static_cast<int>(i), &mem);
        if (ph && ph->p_type == PT_LOAD) m->segments.push_back({ph->p_offset, ph->p_filesz, ph->p_vaddr});
      }
    }
    if (m->segments.empty()) m->mod = nullptr;
  }
  Module* raw = m.get();
  modules_.emplace(path, std::move(m));
  return raw;
}

std::optional<uint64_t> Symbolizer::file_offset_to_vaddr(const std::string& path, uint64_t offset) {
  Module* m = module(path);
  if (!m->mod) return std::nullopt;
  for (const Segment& s : m->segments)
    if (offset >= s.offset && offset - s.offset < s.filesz) return offset - s.offset + s.vaddr;
  return std::nullopt;
}

namespace {

// Function, file and line from DWARF (the line table through libdwfl, else
// the CU's own line table).
void from_dwarf(Dwfl_Module* mod, Dwarf_Addr addr, Symbol& sym) {
  sym.function = dwarf_function(mod, addr);
  if (Dwfl_Line* line = dw().dwfl_module_getsrc(mod, addr)) {
    int lineno = 0;
    const char* file = dw().dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
    if (file && *file) {
      sym.file = file;
      if (lineno > 0) sym.line = lineno;
    }
    return;
  }
  Dwarf_Addr cubias = 0;
  if (Dwarf_Die* cu = cu_at(mod, addr, &cubias)) {
    if (Dwarf_Line* line = dw().dwarf_getsrc_die(cu, addr - cubias)) {
      int lineno = 0;
      const char* file = dw().dwarf_linesrc(line, nullptr, nullptr);
      if (file && *file) {
        sym.file = file;
        if (dw().dwarf_lineno(line, &lineno) == 0 && lineno > 0) sym.line = lineno;
      }
    }
  }
}

}  // namespace

Symbol Symbolizer::symbolize(const std::string& path, uint64_t offset) {
  auto key = std::make_pair(path, offset);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  Symbol sym;
  if (auto vaddr = file_offset_to_vaddr(path, offset)) {
    Module* m = module(path);
    const Dwarf_Addr addr = *vaddr + m->bias;
    if (lines_) from_dwarf(m->mod, addr, sym);
    if (!sym.function) {
      GElf_Off off = 0;
      GElf_Sym elfsym;
      const char* name = dw().dwfl_module_addrinfo(m->mod, addr, &off, &elfsym, nullptr, nullptr, nullptr);
      if (name && *name) sym.function = demangle(name);
    }
  }
  cache_.emplace(std::move(key), sym);
  return sym;
}

std::optional<uint64_t> Symbolizer::function_entry(const std::string& path, uint64_t offset) {
  const auto vaddr = file_offset_to_vaddr(path, offset);
  if (!vaddr) return std::nullopt;
  Module* m = module(path);
  GElf_Off off = 0;
  GElf_Sym elfsym;
  if (!dw().dwfl_module_addrinfo(m->mod, *vaddr + m->bias, &off, &elfsym, nullptr, nullptr, nullptr) || off > offset)
    return std::nullopt;
  return offset - off;  // in the same segment: a function does not span two
}

StackFrame Symbolizer::frame(const std::optional<std::string>& module, const wire::Frame& f) {
  StackFrame out;
  out.offset = f.offset;
  out.signal_frame = (f.flags & wire::kFrameSignal) != 0;
  if (!module) return out;
  out.module = *module;
  const uint64_t at = ((f.flags & wire::kFrameCallsite) && f.offset > 0) ? f.offset - 1 : f.offset;
  Symbol s = symbolize(*module, at);
  out.function = std::move(s.function);
  out.file = std::move(s.file);
  out.line = s.line;
  return out;
}

}  // namespace sigstorm
