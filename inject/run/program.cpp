#include "inject/run/program.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "inject/error.h"

namespace sigstorm {
namespace {

struct ElfInfo {
  bool is_elf = false;
  int elf_class = 0;
  int machine = 0;
  int type = 0;
  bool interp = false;
};

// libelf's view of the file's ELF header and program headers.
std::optional<ElfInfo> read_elf(const std::string& path, std::string* error) {
  static const bool init = elf_version(EV_CURRENT) != EV_NONE;
  if (!init) {
    *error = "libelf is unusable";
    return std::nullopt;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  ElfInfo info;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf && elf_kind(elf) == ELF_K_ELF) {
    info.is_elf = true;
    GElf_Ehdr eh;
    if (gelf_getehdr(elf, &eh)) {
      info.elf_class = gelf_getclass(elf);
      info.machine = eh.e_machine;
      info.type = eh.e_type;
    }
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) == 0) {
      for (size_t i = 0; i < phnum; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_INTERP) info.interp = true;
      }
    }
  }
  if (elf) elf_end(elf);
  ::close(fd);
  return info;
}

bool executable_file(const std::string& path, int* err) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = EISDIR;
    return false;
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    *err = EACCES;
    return false;
  }
  return true;
}

std::string describe(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR: return "no such program";
    case EISDIR: return "is a directory";
    case EACCES: return "permission denied (not an executable file)";
    default: return std::strerror(err);
  }
}

std::string elf_class_name(int c) { return c == ELFCLASS32 ? "32-bit" : c == ELFCLASS64 ? "64-bit" : "unknown-class"; }

void check_depth(const std::string& display, const std::string& path, const std::string& shim, int depth);

// A "#!" script: the kernel runs its interpreter; that is what the loader
// (and so LD_PRELOAD) sees.
void check_script(const std::string& display, const std::string& path, const std::string& shim,
                  const char* buf, size_t n, int depth) {
  std::string line(buf + 2, n - 2);
  if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string::npos) throw Error(display + ": #! line names no interpreter");
  size_t e = line.find_first_of(" \t", b);
  const std::string interp = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
  const std::string what = display + ": its interpreter " + interp;
  int err = 0;
  if (!executable_file(interp, &err)) throw Error(what + ": " + describe(err));
  check_depth(what, interp, shim, depth + 1);
}

void check_depth(const std::string& display, const std::string& path, const std::string& shim, int depth) {
  if (depth > 4) throw Error(display + ": too many levels of #! interpreters");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(display + ": " + describe(errno));

  char buf[256];
  ssize_t n = -1;
  if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    n = ::read(fd, buf, sizeof buf);
    ::close(fd);
  }
  if (n < 0) return;  // execute-only: nothing to look at; the loader decides
  if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
    check_script(display, path, shim, buf, static_cast<size_t>(n), depth);
    return;
  }
  const bool elf = n >= 4 && std::memcmp(buf, ELFMAG, SELFMAG) == 0;
  if (!elf) {
    // execvp runs a file the kernel cannot execute with /bin/sh.
    check_depth(display + " (run by /bin/sh)", "/bin/sh", shim, depth + 1);
    return;
  }

  // The loader runs such programs in secure mode (AT_SECURE) and ignores
  // LD_PRELOAD paths with slashes. (Only when the exec changes credentials,
  // but sigstorm refuses them all: a result that depends on who runs it
  // would be worse than none.)
  if (st.st_mode & S_ISUID)
    throw Error(display + ": set-user-ID program; the loader ignores LD_PRELOAD for setuid programs");
  if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP))
    throw Error(display + ": set-group-ID program; the loader ignores LD_PRELOAD for setgid programs");
  if (::getxattr(path.c_str(), "security.capability", nullptr, 0) > 0)
    throw Error(display + ": has file capabilities; the loader ignores LD_PRELOAD for such programs");

  std::string error;
  auto info = read_elf(path, &error);
  if (!info) throw Error(display + ": cannot read: " + error);
  if (!info->is_elf) throw Error(display + ": not a valid ELF file");
  if (!info->interp) throw Error(display + ": statically linked; libsigstorm.so cannot be preloaded");
  auto shim_info = read_elf(shim, &error);
  if (shim_info && shim_info->is_elf &&
      (shim_info->elf_class != info->elf_class || shim_info->machine != info->machine))
    throw Error(display + ": " + elf_class_name(info->elf_class) + " ELF for machine " +
                std::to_string(info->machine) + ", but libsigstorm.so is " +
                elf_class_name(shim_info->elf_class) + " for machine " + std::to_string(shim_info->machine) +
                "; the loader would not preload it");
}

}  // namespace

std::string resolve_program(const std::string& name, const char* path_env) {
  if (name.empty()) throw Error("empty program name");
  int err = 0;
  if (name.find('/') != std::string::npos) {
    if (!executable_file(name, &err)) throw Error(name + ": " + describe(err));
    return name;
  }
  const std::string path = path_env ? path_env : "/bin:/usr/bin";
  int first_err = ENOENT;
  size_t start = 0;
  while (true) {
    const size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (executable_file(candidate, &err)) return candidate;
    // execvp reports EACCES over ENOENT when some candidate was not executable.
    if (err == EACCES || err == EISDIR) first_err = first_err == ENOENT ? err : first_err;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  throw Error(name + ": " + describe(first_err));
}

void check_preloadable(const std::string& display, const std::string& path, const std::string& shim) {
  check_depth(display, path, shim, 0);
}

void check_shim(const std::string& shim) {
  if (shim.find_first_of(": ") != std::string::npos)
    throw Error("libsigstorm.so path " + shim + " holds a ':' or ' ', which LD_PRELOAD cannot carry");
  struct stat st {};
  if (::stat(shim.c_str(), &st) != 0)
    throw Error("libsigstorm.so not found at " + shim + " (" + std::strerror(errno) +
                "; build it, or set SIGSTORM_SHIM)");
  if (!S_ISREG(st.st_mode) || ::access(shim.c_str(), R_OK) != 0)
    throw Error("libsigstorm.so at " + shim + " is not a readable file");
  std::string error;
  auto info = read_elf(shim, &error);
  if (!info) throw Error("cannot read libsigstorm.so at " + shim + ": " + error);
  if (!info->is_elf || info->type != ET_DYN) throw Error(shim + " is not a shared library");
}

}  // namespace sigstorm
