"""Shared by the benchmarks: this machine's limits and best-of timing.

    from measure import best_time, peak
    limits = peak(2)        # {"fma_gflops": ..., "triad_gbs": ...} (bench/peak.c)
    seconds = best_time(lambda: work(), repeat=3)

Standard library only.
"""
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak(threads):
    exe = os.path.join(tempfile.gettempdir(), "seqc-bench-peak")
    subprocess.run(["/usr/lib/llvm-22/bin/clang", "-O3", "-march=native", "-fopenmp",
                    os.path.join(ROOT, "bench", "peak.c"), "-o", exe,
                    "-Wl,-rpath,/usr/lib/llvm-22/lib", "-L/usr/lib/llvm-22/lib"], check=True)
    return json.loads(subprocess.run([exe, str(threads)], check=True, capture_output=True,
                                     text=True).stdout)


def best_time(fn, repeat):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
