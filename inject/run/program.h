// What `sigstorm run` checks before it starts anything: where PROGRAM is
// (execvp's PATH search) and whether LD_PRELOAD of libsigstorm.so can work
// on it (dynamically linked, same ELF class and machine, not setuid/setgid
// or file capabilities; a #! script is judged by its interpreter).
#pragma once
#include <cstdint>
#include <string>

namespace sigstorm {

// PROGRAM resolved like execvp: a name with '/' as is, else the first
// executable regular file along PATH (`path_env`; null means
// "/bin:/usr/bin"). Throws sigstorm::Error: "NAME: no such program",
// "NAME: permission denied", "NAME: is a directory".
std::string resolve_program(const std::string& name, const char* path_env);

// Throws sigstorm::Error naming `display` when the shim cannot be preloaded
// into the program at `path`.
void check_preloadable(const std::string& display, const std::string& path, const std::string& shim);

// A sanitizer runtime in the program (inject/run/sanitizer.cpp): linked
// (DT_NEEDED libasan.so.8, gcc's default) or static in the executable
// (clang's default), as libelf reads them.
struct Sanitizer {
  std::string name;     // "AddressSanitizer", ...; empty: none
  std::string runtime;  // the DT_NEEDED entry of a shared runtime, else empty
  // The shared runtime's interceptors must come before libsigstorm.so's in
  // the loader's search order (LD_PRELOAD=RUNTIME:libsigstorm.so): ASan
  // refuses to start otherwise, TSan would see the shim's frames.
  bool runtime_first = false;
  // What LD_PRELOAD names before the shim: the shared runtime that must be
  // first in the loader's search order, else empty.
  std::string preload_first() const { return runtime_first ? runtime : std::string(); }
  // Whether LD_AUDIT's call check (preload/audit/) can come along. Not with
  // clang's TSan: an auditor with la_symbind makes the loader call the
  // program's calloc before any constructor, which a TSan runtime in the
  // executable crashes on (also with an empty auditor).
  bool takes_audit() const { return name != "ThreadSanitizer" || !runtime.empty(); }
  // Static TLS the run reserves beyond sigstorm's own (audit_tls_bytes):
  // with an auditor, the loader sets up TLS before it maps the program's
  // objects, so each one's initial-exec TLS comes out of the reserve, and
  // gcc's libtsan.so.2 has 768 KiB of it.
  uint64_t audit_tls_bytes() const { return name == "ThreadSanitizer" && !runtime.empty() ? (1u << 20) : 0; }
};
Sanitizer detect_sanitizer(const std::string& path);

// Throws sigstorm::Error when `shim` is not a readable shared object that
// LD_PRELOAD can carry (no ':' or ' ' in its path).
void check_shim(const std::string& shim);

}  // namespace sigstorm
