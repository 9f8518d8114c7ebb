// Every FN row of inject/wire/functions.def becomes a wrapper here; MANUAL rows
// are written out in stdio_wrappers.cpp, alloc_wrappers.cpp,
// exec_wrappers.cpp, exit_wrappers.cpp and signal_install.cpp.
#include <errno.h>

#include "preload/interpose.h"

using namespace sigstorm;

// Where each family's wrappers go: the signal-mask calls that nearly every
// fork child makes before it execs (a shell's) beside the fork path, in
// the hot text; the rest in plain .text.
#define SIGSTORM_PLACE_signal SIGSTORM_HOT_TEXT
#define SIGSTORM_PLACE_alloc
#define SIGSTORM_PLACE_exit
#define SIGSTORM_PLACE_io
#define SIGSTORM_PLACE_libc
#define SIGSTORM_PLACE_net
#define SIGSTORM_PLACE_poll
#define SIGSTORM_PLACE_process
#define SIGSTORM_PLACE_pthread
#define SIGSTORM_PLACE_sigwait
#define SIGSTORM_PLACE_sleep
#define SIGSTORM_PLACE_stdio
#define SIGSTORM_PLACE_sync
#define SIGSTORM_PLACE_syslog
#define SIGSTORM_PLACE_time
#define SIGSTORM_PLACE_timer
#define SIGSTORM_PLACE_wait

#define SIGSTORM_FN_MANUAL(...)
#define SIGSTORM_FN(name, ret, params, args, family, safety, flags)     \
  SIGSTORM_WRAPPER_IN(SIGSTORM_PLACE_##family, ret, name, params) {     \
    auto fn = real_fn(real::name);                                  \
    SIGSTORM_INTERCEPT_ARGS(fn_##name, args);                       \
  }
#include "inject/wire/functions.def"
