// The shim's view of inject/wire/functions.def: ids, attributes and pointers to
// the real functions, all generated from the one table.
#pragma once

#include <stdint.h>

#include "preload/libc_types.h"

namespace sigstorm {

enum FnId : int {
#define SIGSTORM_FN(name, ...) fn_##name,
#include "inject/wire/functions.def"
  kFnCount
};

// Attributes, as the table spells them.
enum : uint8_t { POSIX = 0, LINUX = 1, UNSAFE = 2 };
enum : uint8_t { BLOCKS = 1, INTR = 2, RESTARTS = 4, VERSIONED = 8 };

// Every function's name, one after the other: a table without pointers,
// which the loader need not relocate (the pointers were 2.8 KB of relro,
// one more page that every process wrote).
struct FnNames {
#define SIGSTORM_FN(name, ...) char name[sizeof #name];
#include "inject/wire/functions.def"
};
extern const FnNames kFnNames;

struct FnInfo {
  uint16_t name_at;  // offset in kFnNames
  uint8_t safety;
  uint8_t flags;
  const char* name() const { return reinterpret_cast<const char*>(&kFnNames) + name_at; }
};
extern const FnInfo kFnInfo[kFnCount];

namespace real {
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) extern ret(*name) params;
#include "inject/wire/functions.def"

// What the shim calls through these pointers without real_fn() (sigaction):
// start-up, every process.
void resolve_eager();
// Fills in every pointer above (once; cheap to call again): the deferred
// start-up, before the program's first handler can run. Normal context only.
void resolve_all();
// The real function for one of the pointers above, looked up now if its
// slot is empty (its first call, in normal context, or a call from inside
// resolve_all: an interposed allocator starting up while dlsym allocates):
// null only when the C library lacks the function.
void* resolve_slot(void** slot);
}  // namespace real

}  // namespace sigstorm
