#include "preload/inject.h"

namespace sigstorm {

void inject_init() {}
bool on_call_point(int) { return false; }

}  // namespace sigstorm
