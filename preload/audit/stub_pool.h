// The audit library's stubs made at build time (stub_pool.cpp) and what they
// read (audit.cpp). Hidden: nothing outside libsigstorm-audit.so sees them.
#pragma once

#include <stdint.h>

#include <atomic>

// GLib command-line tools (gio, gsettings) make about 1,200 stubs, python3
// and git about 50; past this many, stubs go to the overflow memfd.
#define SIGSTORM_AUDIT_POOL 4096
#define SIGSTORM_AUDIT_MAX_STUBS (1u << 18)

extern "C" {
// Threads of the process running a handler (the shim counts), and the slot
// of the common path: in audit.cpp's .bss, on the page of its other state.
extern __attribute__((visibility("hidden"))) std::atomic<uint32_t> sigstorm_audit_running;
extern __attribute__((visibility("hidden"))) void* sigstorm_audit_common_slot;
// Per stub id its target, which the stub jumps through itself (one indirect
// branch per function, so the CPU predicts each on its own).
extern __attribute__((visibility("hidden"))) void* sigstorm_audit_stub_targets[SIGSTORM_AUDIT_MAX_STUBS];
extern __attribute__((visibility("hidden"))) char sigstorm_audit_pool[];
}
