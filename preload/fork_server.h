// `sigstorm fuzz`'s fork server in the shim (inject/wire/fork_server.h).
#pragma once

namespace sigstorm {

// First thing in the constructor: takes SIGSTORM_FORK_SERVER out of the
// environment, notes the descriptors the process has before the shim's own.
void fork_server_early();

// SIGSTORM_FORK_SERVER was given: fork_server() will serve.
bool fork_server_pending();

// Called at the end of the constructor, before injection is set up. Without
// SIGSTORM_FORK_SERVER it returns at once. With it, this process becomes the
// server and never returns; each run's copy returns from here (a new process
// of the run, under the run file's Config as it is then). When a fork would
// not be faithful the process says why to the CLI and exits.
void fork_server();

}  // namespace sigstorm
