// _exit and _Exit: the process ends without atexit handlers or destructors,
// so nothing else in the shim sees it go. A bare LD_PRELOAD run reports it
// first (preload/bare.h), exitcode= included, as at exit(); under the CLI
// this is the real call.
#include "preload/bare.h"
#include "preload/interpose.h"

using namespace sigstorm;

SIGSTORM_WRAPPER(void, _exit, (int status)) {
  auto fn = real_fn(real::_exit);
  SIGSTORM_INTERCEPT(fn__exit, fn(bare_exit_status(status)));
}

SIGSTORM_WRAPPER(void, _Exit, (int status)) {
  auto fn = real_fn(real::_Exit);
  SIGSTORM_INTERCEPT(fn__Exit, fn(bare_exit_status(status)));
}
