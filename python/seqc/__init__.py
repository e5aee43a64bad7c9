"""seqc from Python: import Hugging Face models, compile them, run them.

    import seqc
    model = seqc.compile("path/to/hf-model")        # import + compile + load
    for piece in model.generate("The capital of France is", max_new_tokens=16):
        print(piece, end="", flush=True)

The compiler is the `seqc` driver installed with this package (bin/seqc);
the runtime is libseqrt through the `_seqc` extension. Errors raise
seqc.Error with the message the compiler or runtime gave.
"""
import json
import os
import re
import subprocess
import tempfile

import numpy as np

from ._seqc import ChatTemplate, Detokenizer, Error, Sampler, Tokenizer
from ._seqc import Model as _Model
from ._seqc import Session as _Session

__all__ = ["Error", "Model", "Session", "Tokenizer", "Detokenizer", "Sampler", "ChatTemplate",
           "import_hf", "import_gguf", "compile", "driver"]

def driver():
    """Path of the seqc compiler driver this package runs."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("SEQC_DRIVER", os.path.join(here, "bin", "seqc"))


def _flags(options):
    """Keyword options as driver flags: foo_bar=3 -> --foo-bar=3;
    True -> --foo-bar; False -> --foo-bar=false."""
    flags = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value is False:
            flags.append(flag + "=false")
        else:
            flags.append(f"{flag}={value}")
    return flags


def _run_driver(args):
    done = subprocess.run([driver()] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise Error(done.stderr.strip() or f"seqc {' '.join(args)} failed "
                    f"with status {done.returncode}")
    return done


def import_hf(model_dir, output=None, *, weights_format=None, kv_cache=None,
              max_positions=None, max_tokens_per_call=None, weights_out=None):
    """Imports a Hugging Face folder into the seq dialect (`seqc import hf`).

    Returns (mlir_path, weights_path): the .mlir written (to `output`, or a
    temporary folder), and the weights the model runs with (the folder, or
    the new file a quantizing `weights_format` such as "q8_0" writes).
    """
    if output is None:
        output = os.path.join(tempfile.mkdtemp(prefix="seqc-"), "model.mlir")
    options = {"weights": weights_format, "kv_cache": kv_cache,
               "max_positions": max_positions,
               "max_tokens_per_call": max_tokens_per_call}
    args = ["import", "hf", os.fspath(model_dir), "-o", os.fspath(output)]
    args += _flags(options)
    if weights_out is not None:
        args += ["--weights-out", os.fspath(weights_out)]
    done = _run_driver(args)
    # An import that writes weights (a quantizing format, a GPTQ/AWQ
    # checkpoint) names the file the model runs with.
    wrote = re.search(r"run the model with --weights (.+)$", done.stderr, re.M)
    weights = wrote.group(1).strip() if wrote else os.fspath(model_dir)
    return os.fspath(output), weights


def import_gguf(path, output=None, *, kv_cache=None, max_positions=None,
                max_tokens_per_call=None):
    """Imports a llama.cpp GGUF file into the seq dialect (`seqc import
    gguf`). Returns (mlir_path, weights_path): the .mlir written (to
    `output`, or a temporary folder) and the file itself, which the model
    reads its weights from."""
    if output is None:
        output = os.path.join(tempfile.mkdtemp(prefix="seqc-"), "model.mlir")
    options = {"kv_cache": kv_cache, "max_positions": max_positions,
               "max_tokens_per_call": max_tokens_per_call}
    _run_driver(["import", "gguf", os.fspath(path), "-o", os.fspath(output)] +
                _flags(options))
    return os.fspath(output), os.fspath(path)


def _is_gguf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def compile(source, output=None, *, weights=None, tokenizer=None, threads=0,
            weights_format=None, kv_cache=None, max_positions=None,
            max_tokens_per_call=None, **compile_options):
    """Compiles `source` and loads it as a Model.

    `source` is a Hugging Face folder (imported first, with the import
    options weights_format, kv_cache, max_positions, max_tokens_per_call),
    a GGUF file (likewise; its own tokenizer and chat template come with
    it), or a .mlir file (then `weights` names its weights). Other keyword
    options go to the compiler as flags (target="cuda", mcpu="native",
    parallel=False, ...). The shared library goes to `output`, or next to
    the imported .mlir.
    """
    source = os.fspath(source)
    if os.path.isdir(source):
        mlir, imported_weights = import_hf(
            source, weights_format=weights_format, kv_cache=kv_cache,
            max_positions=max_positions, max_tokens_per_call=max_tokens_per_call)
        weights = weights or imported_weights
        if tokenizer is None and os.path.exists(os.path.join(source, "tokenizer.json")):
            tokenizer = source
    elif _is_gguf(source):
        mlir, weights = import_gguf(
            source, kv_cache=kv_cache, max_positions=max_positions,
            max_tokens_per_call=max_tokens_per_call)
        if tokenizer is None:
            tokenizer = source
    else:
        mlir = source
        if weights is None:
            raise Error(f"compile: {source} is not a model folder; give weights=")
    if output is None:
        output = os.path.splitext(mlir)[0] + ".so"
    _run_driver([mlir, "-o", os.fspath(output)] + _flags(compile_options))
    return Model(output, weights, tokenizer=tokenizer, threads=threads)


class Session:
    """A model's running state: KV caches, scan states, the position."""

    def __init__(self, raw):
        self._raw = raw

    def prefill(self, ids):
        """Runs token ids from the current position; returns the last
        position's logits (a read-only view, valid until the next call)."""
        return self._raw.prefill(np.ascontiguousarray(ids, dtype=np.int32).reshape(-1))

    def decode(self, token):
        """Runs one token; returns its logits (as prefill)."""
        return self._raw.decode(int(token))

    @property
    def logits(self):
        """Every position's logits of the last call [positions, vocab]."""
        return self._raw.logits

    @property
    def position(self):
        return self._raw.position

    def reset(self):
        """Back to position 0 with zeroed state."""
        self._raw.reset()


class Model:
    """A compiled model (.so) with its weights, and optionally a tokenizer."""

    def __init__(self, library, weights, *, tokenizer=None, threads=0,
                 validate_weights=False):
        self.library = os.fspath(library)
        self.weights = os.fspath(weights)
        self._model = _Model(self.library, self.weights, threads, validate_weights)
        if tokenizer is None and os.path.isdir(os.fspath(weights)) and \
                os.path.exists(os.path.join(os.fspath(weights), "tokenizer.json")):
            tokenizer = weights
        if tokenizer is None and _is_gguf(self.weights):
            tokenizer = self.weights  # a GGUF file holds its tokenizer
        self.tokenizer = Tokenizer(os.fspath(tokenizer)) if tokenizer else None
        # The chat template sits beside tokenizer.json, or in the GGUF file
        # (read when first used).
        self._chat_folder = None
        if tokenizer:
            path = os.fspath(tokenizer)
            self._chat_folder = (path if os.path.isdir(path) or _is_gguf(path)
                                 else os.path.dirname(path) or ".")
        self._chat_template = None

    def apply_chat_template(self, messages, add_generation_prompt=True):
        """`messages` ([{"role": ..., "content": ...}, ...]) as the text the
        folder's chat template renders (transformers' apply_chat_template
        with tokenize=False)."""
        if self._chat_template is None:
            if self._chat_folder is None:
                raise Error("this model has no tokenizer folder, so no chat template")
            self._chat_template = ChatTemplate(self._chat_folder)
        return self._chat_template.apply(json.dumps(list(messages)), add_generation_prompt)

    @property
    def vocab_size(self):
        return self._model.vocab_size

    @property
    def max_positions(self):
        return self._model.max_positions

    def session(self, *, prefill_chunk=0, last_logits_only=False):
        """A new session (its own KV caches and states, position 0).
        Its prefill()/decode() return the logits as a read-only view of the
        session's buffer, valid until its next call (copy() to keep)."""
        return Session(_Session(self._model, prefill_chunk, last_logits_only))

    def run(self, entry, ids):
        """Runs stateless entry `entry` (e.g. an encoder's "embed") on int64
        token ids [batch, seq]; returns its outputs as new arrays."""
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
        if ids.ndim == 1:
            ids = ids[None, :]
        return self._model.run(entry, ids)

    def _need_tokenizer(self):
        if self.tokenizer is None:
            raise Error("this model has no tokenizer: give tokenizer= (a "
                        "tokenizer.json or a folder with one)")
        return self.tokenizer

    def embed(self, texts, *, entry="embed"):
        """Sentence embeddings of `texts` (a string or a list of them): the
        entry's pooled output [batch, hidden], one row per text."""
        tokenizer = self._need_tokenizer()
        single = isinstance(texts, str)
        rows = []
        for text in [texts] if single else texts:
            ids = np.asarray(tokenizer.encode(text, True), dtype=np.int64)
            outputs = self.run(entry, ids)
            pooled = [o for o in outputs if o.ndim == 2]
            if not pooled:
                raise Error(f"entry '{entry}' has no [batch, hidden] output")
            rows.append(pooled[-1][0])
        out = np.stack(rows)
        return out[0] if single else out

    def generate(self, prompt, max_new_tokens=16, *, temperature=0.0, top_k=0,
                 top_p=1.0, min_p=0.0, repetition_penalty=1.0, seed=0,
                 stop=(), prefill_chunk=0):
        """Generates from `prompt` and yields the text as it comes, as
        `seq-run --prompt` prints it. `prompt` is text (encoded with the
        tokenizer's special tokens), a conversation ([{"role": "user",
        "content": ...}, ...]: rendered with the chat template and encoded
        without adding special tokens, as `seq-run --chat`), or token ids.
        Greedy by default, sampling as transformers' generate() with the
        options given; stops at a special token, after `max_new_tokens`, or
        before the first of the `stop` strings."""
        tokenizer = self._need_tokenizer()
        if isinstance(prompt, str):
            ids = tokenizer.encode(prompt, True)
        elif prompt and all(isinstance(m, dict) for m in prompt):
            ids = tokenizer.encode(self.apply_chat_template(prompt), False)
        else:
            ids = [int(i) for i in prompt]
        if not ids:
            raise Error("the prompt encodes to no tokens")
        if tokenizer.vocab_size > self.vocab_size:
            raise Error(f"the tokenizer has {tokenizer.vocab_size} tokens but the "
                        f"model only {self.vocab_size} logits")
        stops = [stop] if isinstance(stop, str) else list(stop)
        session = self.session(prefill_chunk=prefill_chunk, last_logits_only=True)
        sampler = Sampler(temperature, top_k, top_p, min_p, repetition_penalty, seed)
        stream = Detokenizer(tokenizer, True)
        history = np.asarray(ids, dtype=np.int32)
        logits = session.prefill(history)
        held = ""  # text that may be the start of a stop string
        for step in range(max_new_tokens):
            token = sampler.sample(logits, history)
            history = np.append(history, np.int32(token))
            held += stream.push(token)
            done = tokenizer.is_special(token) or step + 1 == max_new_tokens
            if done:
                held += stream.flush()
            cut = min((held.find(s) for s in stops if s and s in held), default=-1)
            if cut >= 0:
                if cut:
                    yield held[:cut]
                return
            keep = 0 if done else _stop_prefix(held, stops)
            if len(held) > keep:
                yield held[:len(held) - keep]
                held = held[len(held) - keep:]
            if done:
                return
            if self.max_positions and session.position >= self.max_positions:
                return
            logits = session.decode(token)


def _stop_prefix(text, stops):
    """Length of the longest end of `text` that begins a stop string."""
    best = 0
    for s in stops:
        for n in range(min(len(s) - 1, len(text)), best, -1):
            if text.endswith(s[:n]):
                best = n
                break
    return best
