#!/usr/bin/env python3
"""Chat-template goldens: conversations rendered by transformers'
apply_chat_template machinery (its jinja2 sandbox: trim_blocks,
lstrip_blocks, loopcontrols, raise_exception, tojson, strftime_now), for the
runtime's minja-based renderer to match (test/unit/runtime/ChatTemplateTest.cpp).

    python3 tools/goldens/make_chat_goldens.py [--out test/chat]

Writes
  <family>.jinja   the template of each model family below, written in the
                   style its Hugging Face repositories ship (ChatML as
                   Qwen2/SmolLM, Llama-2, Llama-3, Mistral, Gemma, Zephyr,
                   Phi-3, and one using namespaces, macros, filters and
                   tests that newer templates use);
  cases.jsonl      one case per line: family, special tokens, messages,
                   add_generation_prompt, and the rendered "text" or the
                   "error" message transformers raises.
Deterministic (no date in any template output).
"""
import argparse
import json
import os

TEMPLATES = {
    "chatml": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"),
    "llama2": (
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
        "{% set system_message = messages[0]['content'] %}{% else %}"
        "{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
        "{% for message in loop_messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
        "{% endif %}{% if loop.index0 == 0 and system_message != false %}"
        "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        "{% else %}{% set content = message['content'] %}{% endif %}"
        "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
        "{% endif %}{% endfor %}"),
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
        "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
        "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
        "{% endif %}"),
    "mistral": (
        "{%- if messages[0]['role'] == 'system' %}\n"
        "    {%- set system_message = messages[0]['content'] %}\n"
        "    {%- set loop_messages = messages[1:] %}\n"
        "{%- else %}\n"
        "    {%- set loop_messages = messages %}\n"
        "{%- endif %}\n\n"
        "{{- bos_token }}\n"
        "{%- for message in loop_messages %}\n"
        "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
        "        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n"
        "    {%- endif %}\n"
        "    {%- if message['role'] == 'user' %}\n"
        "        {%- if loop.first and system_message is defined %}\n"
        "            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n"
        "        {%- else %}\n"
        "            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n"
        "        {%- endif %}\n"
        "    {%- elif message['role'] == 'assistant' %}\n"
        "        {{- ' ' + message['content'] + eos_token}}\n"
        "    {%- else %}\n"
        "        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n"
        "    {%- endif %}\n"
        "{%- endfor %}\n"),
    "gemma": (
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
        "{{ raise_exception('System role not supported') }}{% endif %}"
        "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
        "{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}"
        "{% set role = message['role'] %}{% endif %}"
        "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"),
    "zephyr": (
        "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
        "{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n"
        "{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n"
        "{% endfor %}"),
    "phi3": (
        "{% for message in messages %}{% if message['role'] == 'system' %}"
        "{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}"
        "{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}"
        "{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}"),
    # Features of newer templates (Llama-3.1, Qwen2.5, SmolLM3): namespace
    # assignment across loop iterations, macros, filters (length, upper,
    # replace, join, tojson, default, map, list, first), tests (defined,
    # string),
    # inline if-else, slicing, string methods, loop.last / loop.length.
    "features": (
        "{%- macro header(role) -%}<|{{ role | upper }}|>{%- endmacro -%}\n"
        "{%- set ns = namespace(system='', turns=0) -%}\n"
        "{%- for m in messages if m.role == 'system' -%}{%- set ns.system = ns.system ~ m.content -%}{%- endfor -%}\n"
        "{{ bos_token }}{% if ns.system %}{{ header('system') }}{{ ns.system | trim }}\n{% endif %}\n"
        "{%- for message in messages | rejectattr('role', 'equalto', 'system') -%}\n"
        "{%- set ns.turns = ns.turns + 1 -%}\n"
        "{{ header(message.role) }}{{ message.content if message.content is string else message.content | tojson }}"
        "{% if message.name is defined %} ({{ message.name }}){% endif %}"
        "{{ '\\n' if not loop.last else '' }}\n"
        "{%- endfor -%}\n"
        "{%- if add_generation_prompt %}\n{{ header('assistant') }}{% endif -%}\n"
        "{{- '' if ns.turns < 3 else '[' ~ ns.turns ~ ' turns, ' ~ (messages | length) ~ ' messages]' }}\n"
        "{{- (' ' ~ messages[-1].content.split(' ')[:2] | join('_') | replace('a', 'A')) if messages[-1].content is string else '' }}\n"
        "{{- (' ' ~ eos_token | default('none')) }}"
        "{{- ' ' ~ (messages | map(attribute='role') | list | first) }}"),
}

SPECIAL = {
    "chatml": {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "llama2": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "mistral": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "gemma": {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>"},
    "zephyr": {"bos_token": "<s>", "eos_token": "</s>"},
    "phi3": {"bos_token": "<s>", "eos_token": "<|endoftext|>"},
    "features": {"bos_token": "<s>", "eos_token": "</s>"},
}

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a prime."}],
    [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "  4  "},
     {"role": "user", "content": "And 3+3?"}],
    [{"role": "system", "content": "Réponds en français.\n"},
     {"role": "user", "content": "Übersetze: \"日本語\" 👋 — 'quotes' & <tags>\n\ttab"},
     {"role": "assistant", "content": "D'accord."}, {"role": "user", "content": "ok", "name": "bob"}],
    [{"role": "assistant", "content": "I speak first."}, {"role": "user", "content": "Out of order"}],
    [{"role": "user", "content": [{"type": "text", "text": "typed content"}]}],
]


def main():
    from transformers.utils.chat_template_utils import render_jinja_template
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "chat"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cases = []
    for family, template in TEMPLATES.items():
        with open(os.path.join(a.out, family + ".jinja"), "w", encoding="utf-8") as f:
            f.write(template)
        special = {k: v for k, v in SPECIAL[family].items() if v is not None}
        for messages in CONVERSATIONS:
            for generation in (True, False):
                case = {"family": family, "special": special, "messages": messages,
                        "add_generation_prompt": generation}
                try:
                    rendered, _ = render_jinja_template(
                        conversations=[messages], chat_template=template,
                        add_generation_prompt=generation, **special)
                    case["text"] = rendered[0]
                except Exception as e:  # the template raised, or cannot render this input
                    case["error"] = str(e)
                cases.append(case)
    with open(os.path.join(a.out, "cases.jsonl"), "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    errors = sum("error" in c for c in cases)
    print(f"make_chat_goldens: {len(TEMPLATES)} templates, {len(cases)} cases "
          f"({errors} raise)")


if __name__ == "__main__":
    main()
