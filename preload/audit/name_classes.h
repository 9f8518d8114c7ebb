// What libsigstorm-audit.so knows about a symbol name, in one lookup: on a
// policy's list (inject/wire/safe_functions.def), interposed by the shim
// (inject/wire/functions.def), one that must be jumped to, or one never
// stubbed. Built at compile time from the same rows as the CLI's tables
// (inject/wire/safe_list.h), but as one hash table of offsets into one blob
// of names: no pointer in it, so nothing for the loader to relocate and no
// page of it written in any process (the CLI's {name, reason} tables were 787
// relocations on four .data.rel.ro pages of the auditor). A lookup hashes
// the name once and compares it with the one or two rows of its slot, where a
// linear search of ~240 names ran at every binding.
//
// Header-only and allocation-free: the auditor links no C library; the tests
// include it to compare it with safe_list.h's matcher.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "inject/wire/record_format.h"
#include "inject/wire/safe_list.h"

namespace sigstorm::audit {

enum NameClass : uint8_t {
  kPosixSafe = 1,       // on the POSIX list (as itself)
  kLinuxSafe = 2,       // on `--policy linux`'s additions (as itself)
  kInterposedByShim = 4,
  // Must see their real caller or stack, never a frame of ours: checked,
  // then jumped to (wire::kAuditTail). dlopen, dlsym and friends resolve
  // relative to the caller's object (RTLD_NEXT, $ORIGIN); the unwinders and
  // backtrace() walk the stack they are called on.
  kTailOnly = 8,
  // They return twice (a saved context would outlive a stub's frame), or
  // come back through the stub before the program exists.
  kNeverStubbed = 16,
};

namespace detail {

struct Row {
  std::string_view name;
  uint8_t classes;
};

// Only read at compile time (by kNameTable below): never emitted.
#define SIGSTORM_SAFE_POSIX(name) Row{#name, kPosixSafe},
#define SIGSTORM_SAFE_LINUX(name) Row{#name, kLinuxSafe},
#define SIGSTORM_SAFE(name, policy, reason) SIGSTORM_SAFE_##policy(name)
#define SIGSTORM_FN(name, ...) Row{#name, kInterposedByShim},
inline constexpr Row kRows[] = {
#include "inject/wire/safe_functions.def"
#include "inject/wire/functions.def"
    {"_Unwind_Backtrace", kTailOnly}, {"_Unwind_ForcedUnwind", kTailOnly}, {"_Unwind_RaiseException", kTailOnly},
    {"_Unwind_Resume", kTailOnly},    {"__cxa_rethrow", kTailOnly},        {"__cxa_throw", kTailOnly},
    {"backtrace", kTailOnly},         {"dladdr", kTailOnly},               {"dladdr1", kTailOnly},
    {"dlinfo", kTailOnly},            {"dlmopen", kTailOnly},              {"dlopen", kTailOnly},
    {"dlsym", kTailOnly},             {"dlvsym", kTailOnly},               {"pthread_exit", kTailOnly},
    {"__libc_start_main", kNeverStubbed}, {"__sigsetjmp", kNeverStubbed}, {"_setjmp", kNeverStubbed},
    {"getcontext", kNeverStubbed},        {"savectx", kNeverStubbed},     {"setjmp", kNeverStubbed},
    {"sigsetjmp", kNeverStubbed},         {"vfork", kNeverStubbed},
};
#undef SIGSTORM_SAFE_POSIX
#undef SIGSTORM_SAFE_LINUX
#undef SIGSTORM_SAFE

constexpr size_t blob_bytes() {
  size_t n = 0;
  for (const Row& r : kRows) n += r.name.size();
  return n;
}

constexpr size_t slots_for(size_t rows) {
  size_t n = 1;
  while (n < 4 * rows) n <<= 1;  // a quarter full: a lookup mostly reads one slot
  return n;
}

}  // namespace detail

// FNV-1a: the auditor hashes a name while it finds its end.
constexpr uint32_t kHashSeed = 2166136261u;
constexpr uint32_t hash_step(uint32_t h, unsigned char c) { return (h ^ c) * 16777619u; }

struct NameSlot {
  uint16_t offset;  // of the name in the blob
  uint8_t length;   // 0: an empty slot
  uint8_t classes;  // NameClass bits
};

template <size_t Slots, size_t Bytes>
struct NameTable {
  static_assert((Slots & (Slots - 1)) == 0 && Bytes < 65536);
  NameSlot slots[Slots]{};
  char blob[Bytes]{};

  constexpr void add(std::string_view name, uint8_t classes, size_t& used) {
    uint32_t h = kHashSeed;
    for (char c : name) h = hash_step(h, (unsigned char)c);
    for (uint32_t i = h;; ++i) {
      NameSlot& s = slots[i & (Slots - 1)];
      if (s.length == 0) {
        s = {(uint16_t)used, (uint8_t)name.size(), classes};
        for (char c : name) blob[used++] = c;
        return;
      }
      if (std::string_view(blob + s.offset, s.length) == name) {  // on two lists
        s.classes |= classes;
        return;
      }
    }
  }

  // The classes of the LENGTH bytes at NAME, whose hash is H.
  constexpr uint8_t find(const char* name, size_t length, uint32_t h) const {
    if (length == 0 || length > 255) return 0;
    for (uint32_t i = h;; ++i) {
      const NameSlot& s = slots[i & (Slots - 1)];
      if (s.length == 0) return 0;
      if (s.length != length) continue;
      size_t k = 0;
      while (k < length && blob[s.offset + k] == name[k]) ++k;
      if (k == length) return s.classes;
    }
  }

  constexpr uint8_t find(std::string_view name) const {
    uint32_t h = kHashSeed;
    for (char c : name) h = hash_step(h, (unsigned char)c);
    return find(name.data(), name.size(), h);
  }
};

constexpr bool rows_fit() {
  for (const detail::Row& r : detail::kRows)
    if (r.name.empty() || r.name.size() > 255) return false;
  return true;
}
static_assert(rows_fit(), "a name of 1 to 255 bytes per row");

constexpr auto build_name_table() {
  NameTable<detail::slots_for(std::size(detail::kRows)), detail::blob_bytes()> t;
  size_t used = 0;
  for (const detail::Row& r : detail::kRows) t.add(r.name, r.classes, used);
  return t;
}

inline constexpr auto kNameTable = build_name_table();

// The classes of `name` (its LENGTH and hash H already known): its own,
// plus kPosixSafe or kLinuxSafe when it is glibc's other name (open64,
// __read_chk) of a listed function, as safe_list.h's safe_under() says
// (under `--policy linux`, also the other name of such a name).
constexpr uint8_t classes_of(const char* name, size_t length, uint32_t h) {
  uint8_t c = kNameTable.find(name, length, h);
  const std::string_view whole(name, length);
  const std::string_view base = wire::glibc_base_name(whole);
  if (base.size() == whole.size()) return c;
  c |= kNameTable.find(base) & (kPosixSafe | kLinuxSafe);
  const std::string_view base2 = wire::glibc_base_name(base);
  if (base2.size() != base.size() && (kNameTable.find(base2) & kPosixSafe)) c |= kLinuxSafe;
  return c;
}

// May a handler call a function with these classes under POLICY?
constexpr bool safe_classes(uint8_t classes, wire::Policy policy) {
  return (classes & (kPosixSafe | (policy == wire::kPolicyLinux ? kLinuxSafe : 0))) != 0;
}

constexpr uint8_t classes_of(std::string_view name) {
  uint32_t h = kHashSeed;
  for (char c : name) h = hash_step(h, (unsigned char)c);
  return classes_of(name.data(), name.size(), h);
}

}  // namespace sigstorm::audit
