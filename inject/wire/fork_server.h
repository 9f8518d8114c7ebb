// The fork server of `sigstorm fuzz` (AFL's technique), the part both sides
// agree on. The CLI starts the program once per job with
// SIGSTORM_FORK_SERVER=CTL,STATUS[,FD...] (two pipe ends, then the
// descriptors the CLI itself passes on to every run, which are not the
// program's doing). The shim (preload/fork_server.cpp) takes the variable
// out of the environment at the end of its constructor, before the
// program's own constructors and main, and there:
//  - writes a hello on STATUS: int32 0 when it can serve, else int32 N and
//    N bytes saying why a fork would not be faithful (then it exits 0);
//  - then, run after run: forks a copy ahead, which waits for the next
//    int32 on CTL (EOF: it exits), stores its pid in the run file
//    (Config::copy_pid) and runs; the server waits for it and writes its
//    wait status on STATUS (int32, as waitpid gives it; -errno when the
//    fork failed). When sigstorm is gone the server exits.
// The copy is its own process group; it returns into the constructor and
// runs the program under the run file's Config of that moment.
#pragma once

#include <stdint.h>

namespace sigstorm::wire {

constexpr const char* kEnvForkServer = "SIGSTORM_FORK_SERVER";
constexpr uint32_t kForkServerReasonMax = 200;  // bytes of a hello's reason
constexpr uint32_t kForkServerInheritedMax = 32;  // FD... the variable may list

}  // namespace sigstorm::wire
