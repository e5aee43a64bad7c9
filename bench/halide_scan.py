"""Mamba's selective scan in Halide, hand-scheduled: the baseline a
performance engineer would write with Halide (PyPI `halide`, JIT for the
host). Used by bench/selective_scan.py.

Algorithm (token-major inputs, as the seqc op):
    dt[d, t]   = softplus(delta[d, t])
    h[d, n, t] = h[d, n, t-1] · exp(dt·A[n, d]) + dt · B[n, t] · u[d, t]
    y[d, t]    = (Σ_n h[d, n, t] · C[n, t] + D[d] · u[d, t]) · silu(z[d, t])

Schedule: y in blocks of 16 channels (vector lanes) run in parallel; per
block, dt and the recurrence h are computed for the whole sequence at the
block (the recurrence's time loop is serial, state n and channels d inside
it, d vectorised), then the y sum over n reads h back. h for one block is
16·N·L floats (8 MB at L = 8192 and N = 16), per thread.
"""
import subprocess
import sys

try:
    import halide as hl
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "halide"], check=True)
    import halide as hl


class HalideScan:
    def __init__(self, length, channels, state, threads):
        self.L, self.D, self.N = length, channels, state
        f32 = hl.Float(32)
        # Halide dims are numpy's reversed: (d, t) for [1, L, D] and so on.
        self.u = hl.ImageParam(f32, 3, "u")
        self.delta = hl.ImageParam(f32, 3, "delta")
        self.A = hl.ImageParam(f32, 2, "A")  # (n, d)
        self.B = hl.ImageParam(f32, 3, "B")  # (n, t, b)
        self.C = hl.ImageParam(f32, 3, "C")
        self.Dp = hl.ImageParam(f32, 1, "D")
        self.z = hl.ImageParam(f32, 3, "z")
        d, n, t = hl.Var("d"), hl.Var("n"), hl.Var("t")
        x = self.delta[d, t, 0]
        dt = hl.Func("dt")
        dt[d, t] = hl.select(x > 20.0, x, hl.log(1.0 + hl.exp(x)))
        h = hl.Func("h")
        h[d, n, t] = hl.f32(0.0)
        r = hl.RDom([(0, length)], "r")
        h[d, n, r.x] = h[d, n, r.x - 1] * hl.exp(dt[d, r.x] * self.A[n, d]) + \
            dt[d, r.x] * self.B[n, r.x, 0] * self.u[d, r.x, 0]
        rn = hl.RDom([(0, state)], "rn")
        ysum = hl.Func("ysum")
        ysum[d, t] = hl.f32(0.0)
        ysum[d, t] += h[d, rn.x, t] * self.C[rn.x, t, 0]
        zt = self.z[d, t, 0]
        y = hl.Func("y")
        y[d, t, hl.Var("b")] = (ysum[d, t] + self.Dp[d] * self.u[d, t, 0]) * (zt / (1.0 + hl.exp(-zt)))

        do, di = hl.Var("do"), hl.Var("di")
        y.split(d, do, di, 16).reorder(di, t, do).vectorize(di).parallel(do)
        for f in (dt, h, ysum):
            f.compute_at(y, do)
        dt.vectorize(d, 16)
        h.vectorize(d, 16)
        h.update().reorder(d, n, r.x).vectorize(d, 16).unroll(n, 4)
        ysum.vectorize(d, 16)
        ysum.update().reorder(d, rn.x, t).vectorize(d, 16)
        self.y = y
        self.threads = threads
        self.target = hl.get_jit_target_from_environment()
        y.compile_jit(self.target)

    def run(self, u, delta, A, B, C, D, z, out):
        """numpy arrays in the seqc bench's layouts; writes y into `out`."""
        for param, array in ((self.u, u), (self.delta, delta), (self.A, A),
                             (self.B, B), (self.C, C), (self.Dp, D), (self.z, z)):
            param.set(hl.Buffer(array))
        self.y.realize(hl.Buffer(out), self.target)
