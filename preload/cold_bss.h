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

// The other way round: what every process (and every fork child) writes
// as it starts, kept in .data, whose one page the loader writes anyway
// (it zeroes the part of that page where .bss begins). In .bss these sat
// on two pages further on: two or three faults per process, one more per
// fork child. .data must stay within that page
// (tests/unit/test_shim_symbols.cpp checks the sections).
#define SIGSTORM_HOT __attribute__((section(".data.sigstorm.hot")))

// The code every process and fork child runs as it starts, side by side
// (after the constructor's .text.startup): the kernel maps a file's pages
// 64 KB at a time around a fault, and this code was spread over the whole
// text, a fault in each window it touched.
#define SIGSTORM_HOT_TEXT __attribute__((section(".text.hot.sigstorm")))
