// The injection engine: --inject specs from the run file, fired at call:
// points, inside handlers, and by a timer thread for after:/every:.
#pragma once

namespace sigstorm {

// Start-up: arms the call: points and starts the timer thread if needed.
void inject_init();
// A call of an armed function: fires the specs that select this hit.
// Returns true when the call must fail with EINTR (mode=eintr).
bool on_call_point(int id);

}  // namespace sigstorm
