"""llama.cpp (llama-cpp-python) as a peer, and seqc end to end, for the
model benchmarks (bench/llama_e2e.py, bench/mamba_llamacpp.py).

Both sides run a Hugging Face folder: seqc through `seqc import hf`, `seqc`
and `seq-run --stats`; llama.cpp through an f32 GGUF written by llama.cpp's
own convert_hf_to_gguf.py (from the llama-cpp-python source package).
"""
import glob
import os
import re
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def ensure(module, package):
    """Imports `module`, installing `package` with pip when missing
    (llama-cpp-python builds llama.cpp from source: minutes)."""
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


def converter(work):
    """llama.cpp's convert_hf_to_gguf.py from the llama-cpp-python sdist,
    unpacked under `work`."""
    src = os.path.join(work, "llama-cpp-src")
    pattern = os.path.join(src, "llama_cpp_python-*", "vendor", "llama.cpp",
                           "convert_hf_to_gguf.py")
    found = glob.glob(pattern)
    if not found:
        os.makedirs(src, exist_ok=True)
        import llama_cpp
        version = llama_cpp.__version__
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", f"llama-cpp-python=={version}", "-d", src],
                       check=True)
        with tarfile.open(glob.glob(os.path.join(src, "*.tar.gz"))[0]) as tar:
            tar.extractall(src)
        found = glob.glob(pattern)
    return found[0]


# Runs convert_hf_to_gguf.py with the architecture's vocabulary step
# replaced by "no vocabulary": the benchmark folders hold random weights and
# no tokenizer, and both sides are fed token ids.
NO_VOCAB_CONVERT = """
import os, sys
script = sys.argv[1]
sys.path.insert(0, os.path.dirname(script))
sys.argv = sys.argv[1:]
import convert_hf_to_gguf as convert
pick = convert.get_model_class
def without_vocab(*args, **kwargs):
    model = pick(*args, **kwargs)
    model.set_vocab = lambda self: self._set_vocab_none()
    return model
convert.get_model_class = without_vocab
convert.main()
"""


def f32_gguf(folder, gguf, work, vocab=True, outtype="f32"):
    """Converts the Hugging Face folder to a GGUF of `outtype` (f32, bf16,
    f16, q8_0: llama.cpp's converter's --outtype) once (`vocab=False`: the
    folder has no tokenizer; the GGUF gets none)."""
    ensure("gguf", "gguf")
    ensure("llama_cpp", "llama-cpp-python")
    if not os.path.exists(gguf):
        script = converter(work)
        prefix = [sys.executable, script] if vocab else [sys.executable, "-c",
                                                          NO_VOCAB_CONVERT, script]
        done = subprocess.run(prefix + [folder, "--outtype", outtype, "--outfile", gguf],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"convert_hf_to_gguf.py failed:\n{done.stderr[-2000:]}")
    return gguf


def quantized_gguf(source, gguf, ftype):
    """`source` (an f32 GGUF) quantized by llama.cpp's own quantizer, as
    `llama-quantize --pure` does (every 2-D weight, the embedding table and
    the head included, in `ftype`, e.g. LLAMA_FTYPE_MOSTLY_Q4_0), once."""
    ensure("llama_cpp", "llama-cpp-python")
    import llama_cpp
    if not os.path.exists(gguf):
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = ftype
        params.pure = True
        params.nthread = os.cpu_count() or 1
        if llama_cpp.llama_model_quantize(source.encode(), gguf.encode(),
                                          params) != 0:
            sys.exit(f"llama_model_quantize failed on {source}")
    return gguf


def compile_seqc(folder, so, max_positions, import_flags=()):
    mlir = so[:-3] + ".mlir"
    subprocess.run([os.path.join(BIN, "seqc"), "import", "hf", folder, "-o", mlir,
                    "--max-positions", str(max_positions), *import_flags], check=True)
    subprocess.run([os.path.join(BIN, "seqc"), mlir, "-o", so], check=True)
    return so


# Runs a command and prints its peak resident memory (KiB) last.
PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:])
print("peak_rss_kib", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def seqc_run(so, folder, prompt, decode, threads, rss=None):
    """(prefill, decode) tokens/s of `seq-run --stats`: the prompt in one
    call, then greedy decode. A list `rss` gets the run's peak resident
    memory in bytes."""
    out = subprocess.run([sys.executable, "-c", PEAK_RSS,
                          os.path.join(BIN, "seq-run"), so, "--weights", folder,
                          "--prompt-ids", ",".join(map(str, prompt)),
                          "--max-new", str(decode), "--threads", str(threads), "--stats"],
                         check=True, capture_output=True, text=True).stdout
    prefill = float(re.search(r"prefill: .*\(([\d.]+) tokens/s\)", out).group(1))
    dec = float(re.search(r"decode: .*\(([\d.]+) tokens/s\)", out).group(1))
    if rss is not None:
        rss.append(1024 * int(re.search(r"peak_rss_kib (\d+)", out).group(1)))
    return prefill, dec


def open_llamacpp(gguf, threads, n_ctx, n_batch, extra_bufts=True,
                  logits_all=False, kv_q8=False):
    """A llama_cpp.Llama on `gguf`. `extra_bufts=False` turns off llama.cpp's
    extra weight buffer types (the AMX and repacked-weight kernels): with
    them, llama-cpp-python 0.3.36 crashes (SIGSEGV in the first eval) on
    Q8_0 and Q4_0 models on this AMX machine, so those are measured on its
    plain CPU kernels. `kv_q8` keeps its KV cache in Q8_0 (`-ctk q8_0 -ctv
    q8_0`, which needs flash attention)."""
    import llama_cpp
    from llama_cpp import Llama
    defaults = llama_cpp.llama_model_default_params

    def params():
        p = defaults()
        p.use_extra_bufts = extra_bufts
        return p

    llama_cpp.llama.llama_cpp.llama_model_default_params = params
    try:
        cache = dict(flash_attn=True, type_k=llama_cpp.GGML_TYPE_Q8_0,
                     type_v=llama_cpp.GGML_TYPE_Q8_0) if kv_q8 else {}
        return Llama(model_path=gguf, n_threads=threads, n_threads_batch=threads,
                     n_ctx=n_ctx, n_batch=n_batch, n_ubatch=n_batch,
                     logits_all=logits_all, verbose=False, **cache)
    finally:
        llama_cpp.llama.llama_cpp.llama_model_default_params = defaults


def llamacpp_run(gguf, prompt, decode, threads, extra_bufts=True):
    """(prefill, decode) tokens/s: `eval` of the prompt in one batch, then
    one `eval` per token (see open_llamacpp for `extra_bufts`)."""
    llm = open_llamacpp(gguf, threads, len(prompt) + decode + 8, len(prompt),
                        extra_bufts)
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    prefill = len(prompt) / (time.perf_counter() - t0)
    # Decode speed does not depend on which tokens: feed the prompt again.
    t0 = time.perf_counter()
    for i in range(decode):
        llm.eval([prompt[i % len(prompt)]])
    dec = decode / (time.perf_counter() - t0)
    return prefill, dec


def best(runs):
    """Per column, the best of several (prefill, decode) runs."""
    return tuple(max(r[i] for r in runs) for i in range(2))
