"""The seqc Python package against transformers' goldens and seq-run.

Run from the repository root after `pip install .` (tools/python-check.sh):
    python3 -m pytest python/tests
Models are the small Hugging Face goldens of test/Frontends/hf/goldens
(tools/goldens/make_hf_goldens.py) and, when tools/fetch-models.py has
fetched it, the real all-MiniLM-L6-v2.
"""
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import seqc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDENS = os.path.join(ROOT, "test", "Frontends", "hf", "goldens")
TEXT = os.path.join(GOLDENS, "llama_text")
SEQ_RUN = os.path.join(ROOT, "build", "bin", "seq-run")
MINILM = os.path.join(ROOT, "build", "models", "all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    out = tmp_path_factory.mktemp("llama_text") / "model.so"
    return seqc.compile(TEXT, output=str(out))


def prompt_text():
    with open(os.path.join(TEXT, "prompt.txt"), encoding="utf-8") as f:
        return f.read()


def seq_run(model, *args):
    return subprocess.run([SEQ_RUN, model, "--weights", TEXT] + list(args),
                          check=True, stdout=subprocess.PIPE).stdout.decode()


def test_generate_equals_transformers(llama):
    with open(os.path.join(TEXT, "expected_text.txt"), encoding="utf-8") as f:
        expected = f.read().rstrip("\n")  # seq-run ends its output with a newline
    pieces = list(llama.generate(prompt_text(), max_new_tokens=8))
    assert "".join(pieces) == expected


@pytest.mark.parametrize("options,flags", [
    ({}, []),
    ({"temperature": 0.9, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.1, "seed": 7},
     ["--temperature", "0.9", "--top-k", "50", "--top-p", "0.95", "--repeat-penalty", "1.1",
      "--seed", "7"]),
])
def test_generate_equals_seq_run(llama, tmp_path, options, flags):
    ours = "".join(llama.generate(prompt_text(), max_new_tokens=12, **options))
    theirs = seq_run(llama.library, "--prompt", prompt_text(), "--max-new", "12", *flags)
    assert ours + "\n" == theirs


def test_logits_equal_transformers_full_forward(llama):
    prompt = np.load(os.path.join(TEXT, "prompt.npy")).reshape(-1)
    golden = np.load(os.path.join(TEXT, "prefill_logits.npy")).reshape(len(prompt), -1)
    session = llama.session()
    last = session.prefill(prompt)
    rows = session.logits
    assert rows.shape == golden.shape
    # Views of the session's buffer: read-only, not copies.
    assert not last.flags.writeable and not rows.flags.writeable
    assert np.shares_memory(last, rows)
    scale = np.abs(golden).max()
    assert np.abs(rows - golden).max() <= 1e-4 * scale
    # decode_logits[0] is the prompt's last row; [k] follows decode_tokens[k-1].
    tokens = np.load(os.path.join(TEXT, "decode_tokens.npy")).reshape(-1)
    decoded = np.load(os.path.join(TEXT, "decode_logits.npy")).reshape(len(tokens), -1)
    assert np.abs(last - decoded[0]).max() <= 1e-4 * scale
    for token, expected in zip(tokens[:-1], decoded[1:]):
        got = session.decode(token)
        assert np.abs(got - expected).max() <= 1e-4 * scale
    assert session.position == len(prompt) + len(tokens) - 1


def check_chat(model, folder):
    """The golden conversation of `folder` (system.txt, prompt.txt) renders
    and encodes to prompt.npy's ids and generates expected_text.txt."""
    with open(os.path.join(folder, "prompt.txt"), encoding="utf-8") as f:
        user = f.read()
    with open(os.path.join(folder, "system.txt"), encoding="utf-8") as f:
        system = f.read()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    expected_ids = np.load(os.path.join(folder, "prompt.npy")).tolist()
    assert model.tokenizer.encode(model.apply_chat_template(messages), False) == expected_ids
    with open(os.path.join(folder, "expected_text.txt"), encoding="utf-8") as f:
        expected = f.read()[:-1]
    assert "".join(model.generate(messages, max_new_tokens=8)) == expected


def test_chat_equals_transformers(tmp_path):
    # prompt.npy: the ids transformers' apply_chat_template(tokenize=True) gave.
    folder = os.path.join(GOLDENS, "llama_chat")
    check_chat(seqc.compile(folder, output=str(tmp_path / "chat.so")), folder)


def test_gguf_file_brings_its_tokenizer_and_template(tmp_path):
    # A GGUF file (tools/goldens/make_gguf_goldens.py): compile() imports it,
    # and the model reads its weights, tokenizer and chat template from it.
    # prompt.npy: llama.cpp's ids for the rendered conversation.
    folder = os.path.join(ROOT, "test", "Frontends", "gguf", "goldens", "llama_chat")
    model = seqc.compile(os.path.join(folder, "model.gguf"), output=str(tmp_path / "g.so"))
    check_chat(model, folder)


def test_quantized_import_runs_with_its_weights(tmp_path):
    mlir, weights = seqc.import_hf(TEXT, str(tmp_path / "q8.mlir"), weights_format="q8_0")
    assert weights == str(tmp_path / "q8.q8_0.safetensors") and os.path.exists(weights)
    model = seqc.compile(mlir, weights=weights, tokenizer=TEXT)
    assert model.weights == weights
    # 8-bit weights: the greedy text of the f32 golden, whose margins are wide.
    with open(os.path.join(TEXT, "expected_text.txt"), encoding="utf-8") as f:
        expected = f.read().rstrip("\n")
    assert "".join(model.generate(prompt_text(), max_new_tokens=8)) == expected


def test_stop_strings_cut_before_the_first_match(llama):
    options = {"temperature": 1.0, "seed": 3, "max_new_tokens": 24}
    full = "".join(llama.generate(prompt_text(), **options))
    assert len(full) > 6
    stop = full[len(full) // 2:len(full) // 2 + 2]
    cut = "".join(llama.generate(prompt_text(), stop=["\x00never", stop], **options))
    assert cut == full[:full.find(stop)]
    # seq-run's --stop cuts the same text.
    theirs = seq_run(llama.library, "--prompt", prompt_text(), "--max-new", "24",
                     "--temperature", "1.0", "--seed", "3", "--stop", stop)
    assert theirs == cut + "\n"


def test_tokenizer_equals_the_wheel():
    folder = os.path.join(ROOT, "test", "tokenizer")
    tok = seqc.Tokenizer(os.path.join(folder, "llama2"))
    ids = np.fromfile(os.path.join(folder, "llama2", "ids.u16"), dtype="<u2")
    counts = np.fromfile(os.path.join(folder, "llama2", "counts.u32"), dtype="<u4")
    import json
    with open(os.path.join(folder, "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    at = 0
    for text, count in list(zip(texts, counts))[:500]:
        assert tok.encode(text) == ids[at:at + count].tolist(), text
        at += count


def test_errors_name_the_problem(llama, tmp_path):
    with pytest.raises(seqc.Error, match="config.json"):
        seqc.compile(str(tmp_path))
    with pytest.raises(seqc.Error, match="cannot read"):
        seqc.Tokenizer(str(tmp_path / "missing"))
    session = llama.session()
    with pytest.raises(seqc.Error, match="SEQ_ERROR"):
        session.decode(10 ** 6)
    with pytest.raises(seqc.Error, match="is not in the tokenizer's vocabulary"):
        llama.tokenizer.decode([10 ** 6])
    with pytest.raises(TypeError):  # a lone surrogate is no UTF-8 text
        llama.tokenizer.encode("\ud800")


@pytest.mark.skipif(not os.path.exists(os.path.join(MINILM, "model.safetensors")),
                    reason="run tools/fetch-models.py first")
def test_embed_equals_sentence_transformers(tmp_path):
    import json
    model = seqc.compile(MINILM, output=str(tmp_path / "minilm.so"))
    cases = os.path.join(ROOT, "test", "Frontends", "hf", "minilm")
    with open(os.path.join(cases, "sentences.json")) as f:
        sentences = json.load(f)["sentences"]
    golden = np.load(os.path.join(cases, "embeddings.npy"))
    ours = model.embed(sentences)
    assert ours.shape == golden.shape
    for a, b in zip(ours, golden):
        cosine = float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
        assert cosine >= 0.9999


def test_readme_example_runs():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example, "the README has a Python example"
    done = subprocess.run([sys.executable, "-c", example.group(1)], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
