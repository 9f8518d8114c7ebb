// `sigstorm __watch FD ROOT`: the renderer of a bare LD_PRELOAD run
// (preload/bare.h). The shim starts it, users do not: it is in no help.
// It reads SIGSTORM_OPTIONS with the CLI's parsers, makes the run file and
// hands it over socket FD, then reports each process of the tree as it ends
// (it asks at exit, or its pid is gone), runs the hang watchdog, and leaves
// when the tree is gone.
#pragma once

namespace sigstorm::cli {

int watch_main(int argc, char** argv);

}  // namespace sigstorm::cli
