// Large zero-initialized buffers that most processes never touch, or touch
// one page of, go after the shim's small globals: in .bss the linker laid
// them between those, so every process's start-up wrote a page of .bss for
// every few small variables it set (each page a fault). x86-64's linkers
// put .lbss right after .bss, in the same segment.
#pragma once

#if defined(__clang__)
// clang 14 emits a named .lbss as PROGBITS (200 KB of zeros in the file):
// there the buffers stay in .bss.
#define SIGSTORM_COLD_BSS
#else
#define SIGSTORM_COLD_BSS __attribute__((section(".lbss.sigstorm")))
#endif
