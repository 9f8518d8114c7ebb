// Every FN row of inject/wire/functions.def becomes a wrapper here; MANUAL rows
// are written out in stdio_wrappers.cpp, alloc_wrappers.cpp,
// exec_wrappers.cpp, exit_wrappers.cpp and signal_install.cpp.
#include <errno.h>

#include "preload/interpose.h"

using namespace sigstorm;

#define SIGSTORM_FN_MANUAL(...)
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags) \
  SIGSTORM_WRAPPER(ret, name, params) {                             \
    auto fn = real_fn(real::name);                                  \
    SIGSTORM_INTERCEPT_ARGS(fn_##name, args);                       \
  }
#include "inject/wire/functions.def"
