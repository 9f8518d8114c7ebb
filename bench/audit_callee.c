/* The function BM_AuditCall_* call: rand_r's arithmetic, in a library of no
   dependencies, so the benchmark can also load it into a link namespace of
   its own (dlmopen), which the audit library leaves alone. */
__attribute__((visibility("default"))) int sigstorm_bench_callee(unsigned* seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (int)((*seed >> 16) & 0x7fff);
}
