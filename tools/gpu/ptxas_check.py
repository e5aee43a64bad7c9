#!/usr/bin/env python3
"""Assemble every kernel module of a `seqc --emit=ptx` file with ptxas.

    python3 tools/gpu/ptxas_check.py model.ptx [--arch sm_80] [--ptxas PATH]

seqc writes one PTX module per kernel, each after a line
`// seqc kernel module @NAME`. Each module is assembled on its own for the
given architecture (the module's own `.target` must not be newer). Exits 0
when all assemble, 1 listing the modules ptxas rejects, 77 (skip) when no
ptxas is found ($CUDA_HOME/bin, /usr/local/cuda/bin, PATH).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def find_ptxas(explicit):
    if explicit:
        return explicit
    for root in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
            return os.path.join(root, "bin", "ptxas")
    return shutil.which("ptxas")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ptx")
    p.add_argument("--arch", default="sm_80")
    p.add_argument("--ptxas", help="ptxas to use (default: CUDA toolkit or PATH)")
    a = p.parse_args()
    ptxas = find_ptxas(a.ptxas)
    if not ptxas:
        print("ptxas not found: skipping", file=sys.stderr)
        return 77
    text = open(a.ptx).read()
    parts = re.split(r"^// seqc kernel module @(\S+)\n", text, flags=re.M)
    modules = list(zip(parts[1::2], parts[2::2]))
    if not modules:
        print(f"{a.ptx}: no '// seqc kernel module' sections", file=sys.stderr)
        return 1
    failed = []
    with tempfile.TemporaryDirectory() as work:
        for name, body in modules:
            path = os.path.join(work, name + ".ptx")
            with open(path, "w") as f:
                f.write(body)
            r = subprocess.run([ptxas, f"-arch={a.arch}", path, "-o", os.devnull],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failed.append(name)
                print(f"{name}: ptxas -arch={a.arch} failed:\n{r.stderr}", file=sys.stderr)
    print(f"{len(modules) - len(failed)}/{len(modules)} kernel modules assemble for {a.arch}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
