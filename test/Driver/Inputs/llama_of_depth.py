#!/usr/bin/env python3
"""Writes a tiny Llama folder (config.json, model.safetensors) of a given
depth, for tests that compare compiles of models differing only in depth.

    llama_of_depth.py DIR LAYERS

Standard library only; weights are small deterministic values.
"""
import json
import os
import struct
import sys

out, layers = sys.argv[1], int(sys.argv[2])
hidden, inter, heads, kv, vocab = 32, 48, 4, 2, 64
head_dim = hidden // heads
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump({"architectures": ["LlamaForCausalLM"], "hidden_size": hidden,
               "intermediate_size": inter, "num_attention_heads": heads,
               "num_key_value_heads": kv, "num_hidden_layers": layers,
               "vocab_size": vocab, "rms_norm_eps": 1e-5,
               "max_position_embeddings": 64, "tie_word_embeddings": True}, f)
tensors = [("model.embed_tokens.weight", [vocab, hidden])]
for i in range(layers):
    p = f"model.layers.{i}."
    tensors += [(p + "input_layernorm.weight", [hidden]),
                (p + "self_attn.q_proj.weight", [heads * head_dim, hidden]),
                (p + "self_attn.k_proj.weight", [kv * head_dim, hidden]),
                (p + "self_attn.v_proj.weight", [kv * head_dim, hidden]),
                (p + "self_attn.o_proj.weight", [hidden, heads * head_dim]),
                (p + "post_attention_layernorm.weight", [hidden]),
                (p + "mlp.gate_proj.weight", [inter, hidden]),
                (p + "mlp.up_proj.weight", [inter, hidden]),
                (p + "mlp.down_proj.weight", [hidden, inter])]
tensors.append(("model.norm.weight", [hidden]))
header, blobs, offset = {}, [], 0
for name, shape in tensors:
    count = 1
    for d in shape:
        count *= d
    data = struct.pack(f"<{count}f", *(((i * 31) % 17 - 8) * 0.01 for i in range(count)))
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
