// What `sigstorm run` checks before it starts anything: where PROGRAM is
// (execvp's PATH search) and whether LD_PRELOAD of libsigstorm.so can work
// on it (dynamically linked, same ELF class and machine, not setuid/setgid
// or file capabilities; a #! script is judged by its interpreter).
#pragma once
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
  // Whether LD_AUDIT's call check (preload/audit/) can come along. Not with
  // TSan: an auditor with la_symbind makes the loader call the program's
  // calloc before any constructor, which clang's TSan runtime crashes on
  // (also with an empty auditor), and gcc's libtsan.so.2 then finds no room
  // in the static TLS block.
  bool takes_audit() const { return name != "ThreadSanitizer"; }
};
Sanitizer detect_sanitizer(const std::string& path);

// Throws sigstorm::Error when `shim` is not a readable shared object that
// LD_PRELOAD can carry (no ':' or ' ' in its path).
void check_shim(const std::string& shim);

}  // namespace sigstorm
