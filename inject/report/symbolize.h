// Symbolization of run-file frames (module path + FILE OFFSET) with
// elfutils: libelf maps the offset to a virtual address through the
// program headers, libdw's Dwfl names the function and the source line
// (separate debuginfo from the disk: by build ID, or by .gnu_debuglink
// for a file with a build ID; never from a debuginfod server).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "inject/wire/record_format.h"
#include "inject/report/report.h"

namespace sigstorm {

struct Symbol {
  std::optional<std::string> function;  // demangled: DWARF, else symbol table, else nullopt
  std::optional<std::string> file;      // as recorded in DWARF
  std::optional<int> line;
  bool operator==(const Symbol&) const = default;
};

// abi::__cxa_demangle of a mangled name; the name itself when it is not one.
std::string demangle(std::string_view name);

// Where an absolute address of a live process lies: the mapped file and
// the file offset (from /proc/PID/maps); nullopt when it is in no file.
struct Placed {
  std::string module;
  uint64_t offset = 0;
};
std::optional<Placed> place_in_process(int pid, uint64_t address);

class Symbolizer {
 public:
  // lines=false (--symbolize 0): function names from the symbol table only,
  // no DWARF, so no file:line.
  explicit Symbolizer(bool lines = true);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // The instruction at FILE offset `offset` of the ELF file `module`.
  // Never throws: an unreadable module or offset gives an empty Symbol.
  Symbol symbolize(const std::string& module, uint64_t offset);

  // The virtual address (as in the ELF file) of a file offset, from the
  // PT_LOAD program headers; nullopt when no segment holds it.
  std::optional<uint64_t> file_offset_to_vaddr(const std::string& module, uint64_t offset);

  // The file offset of the entry of the function holding FILE offset
  // `offset` (from the symbol table); nullopt when no symbol holds it.
  std::optional<uint64_t> function_entry(const std::string& module, uint64_t offset);

  // A run-file frame: `module` is the module's path (nullopt for module 0,
  // whose offset is an absolute address). kFrameCallsite frames are looked
  // up at offset - 1; kFrameSignal frames are marked signal_frame.
  StackFrame frame(const std::optional<std::string>& module, const wire::Frame& frame);

 private:
  struct Module;
  Module* module(const std::string& path);
  std::map<std::string, std::unique_ptr<Module>> modules_;
  std::map<std::pair<std::string, uint64_t>, Symbol> cache_;
  bool lines_;
};

}  // namespace sigstorm
