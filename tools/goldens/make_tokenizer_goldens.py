#!/usr/bin/env python3
"""Tokenizer goldens: a multilingual corpus, tokenizers trained on it with the
`tokenizers` wheel (no network), and the ids that wheel gives for each text.

    python3 tools/goldens/make_tokenizer_goldens.py [--out test/tokenizer]

Writes
  corpus.jsonl          one JSON string per line (>= 5000 texts): English
                        prose, Cyrillic, Greek, Arabic, Devanagari, CJK,
                        emoji with ZWJ sequences and skin tones, combining
                        marks, whitespace runs (tabs, newlines, NBSP,
                        ideographic spaces), digits, contractions, special
                        tokens inside text;
  <kind>/tokenizer.json a tokenizer trained on the corpus, for each kind:
                        gpt2 (byte-level BPE: ByteLevel pre-tokenizer with
                        GPT-2's regex),
                        gpt2_prefix_space (the same with add_prefix_space),
                        llama3 (Split with Llama-3's regex, then ByteLevel
                        without regex; ignore_merges; a BOS template),
                        qwen2 (Qwen2's regex: single digits),
                        qwen2_nfc (the same with Qwen2's NFC normalizer),
                        llama2 (a SentencePiece BPE model with byte
                        fallback, trained by the sentencepiece wheel and
                        written as transformers' LlamaConverter writes it
                        with legacy=True: Prepend/Replace normalizer,
                        Replace/ByteFallback/Fuse/Strip decoder; its ids
                        equal sentencepiece's own on every text, checked
                        here),
                        mistral (the same model as LlamaConverter writes it
                        with legacy=False: a Metaspace pre-tokenizer with
                        prepend_scheme "first"; truncation to 40 ids from
                        the left),
                        bert (WordPiece with the BertNormalizer lowercasing
                        and stripping accents, BertPreTokenizer, a
                        [CLS] $A [SEP] template, the WordPiece decoder;
                        added tokens with lstrip, rstrip, single_word and
                        normalized set),
                        bert_cased (the same without lowercasing, with a
                        BertProcessing post-processor, truncation to 32
                        ids and padding to 48, as sentence-transformers
                        folders ship them),
                        unigram (a SentencePiece Unigram model with its
                        NFKC character map, as tokenizers'
                        SentencePieceUnigramTokenizer.from_spm converts it:
                        Precompiled and regex Replace normalizers,
                        Metaspace),
                        t5 (the same with byte fallback as transformers'
                        SpmConverter writes T5: Strip, Replace with "▁",
                        an EOS template);
  <kind>/ids.u16, <kind>/counts.u32
                        the wheel's ids for every corpus text
                        (encode(text), special tokens added; padding left
                        out by the attention mask), concatenated
                        as little-endian uint16, and the count per text;
  <kind>/decode.jsonl   the wheel's decode(ids, skip_special_tokens) of the
                        ids of every 16th corpus text and of 300 random id
                        sequences (a third of them byte tokens where the
                        vocabulary has them: runs a model may emit that are
                        not valid UTF-8), skipping special tokens for every
                        other sequence.
Deterministic: the same files on every run.
"""
import argparse
import json
import os
import random
import struct

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?"
          r"[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?"
         r"[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

WORDS = ("the of and to in is was for on that with as by at from it be this are "
         "which or an have not but had they one were their all there been can has "
         "more when will would who so if out no time up about into than some could "
         "them other then now only its over also new years after first two may "
         "tokenizer compiler model sequence attention state cache layer decode "
         "prefill byte merge vocabulary Unicode Hello World OpenAI Llama Mistral").split()
CONTRACTIONS = ["don't", "I'LL", "we've", "she'd", "it's", "they're", "I'm", "You'RE"]
SCRIPTS = {
    "cyrillic": (0x0410, 0x044F), "greek": (0x0391, 0x03C9), "arabic": (0x0621, 0x064A),
    "devanagari": (0x0905, 0x0939), "cjk": (0x4E00, 0x4FFF), "hiragana": (0x3041, 0x3096),
    "hangul": (0xAC00, 0xAD00), "hebrew": (0x05D0, 0x05EA), "thai": (0x0E01, 0x0E2E),
}
EMOJI = ["\U0001F600", "\U0001F680", "\U0001F44D\U0001F3FD", "\U0001F469\u200D\U0001F4BB",
         "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466",
         "\U0001F3F3\uFE0F\u200D\U0001F308", "\u2764\uFE0F", "\U0001F1EB\U0001F1F7", "\u2603"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\n\n", "   ", "\u00A0", "\u3000", " \t ", "\u2009"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "\u0915\u094D\u0937", "o\u0302\u0323"]
SPECIAL = ["<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>"]


def word(rng, script):
    if script == "latin":
        w = rng.choice(WORDS)
        return w.capitalize() if rng.random() < 0.2 else w
    lo, hi = SCRIPTS[script]
    return "".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 6)))


def text(rng):
    script = rng.choice(["latin"] * 5 + list(SCRIPTS))
    parts = []
    for _ in range(rng.randint(1, 14)):
        r = rng.random()
        if r < 0.55:
            parts.append(word(rng, script if rng.random() < 0.8 else "latin"))
        elif r < 0.62:
            parts.append(rng.choice(CONTRACTIONS))
        elif r < 0.70:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 12))))
        elif r < 0.77:
            parts.append(rng.choice(EMOJI))
        elif r < 0.82:
            parts.append(rng.choice(COMBINING))
        elif r < 0.90:
            parts.append(rng.choice(",.;:!?-()[]\"'/@#$%&*+=<>~`^_{}|\\"))
        elif r < 0.93:
            parts.append(rng.choice(SPECIAL))
        else:
            parts.append(rng.choice(SPACES))
        parts.append(rng.choice([" "] * 8 + SPACES))
    s = "".join(parts)
    return s.strip() if rng.random() < 0.5 else s


def corpus(n=5200):
    rng = random.Random(20261207)
    texts = [text(rng) for _ in range(n)]
    # Edge cases, always present.
    texts[:0] = ["", " ", "a", "  leading and trailing  ", "\n", "x\ty", "1234567890",
                 "<|endoftext|>", "text<|endoftext|>text", "<|begin_of_text|>Hi",
                 "I'LL don't WE'VE", "\u00e9\u0065\u0301", "\U0001F468\u200D\U0001F469",
                 "a" * 300, " " * 50 + "b", "\u3000\u3000x",
                 # Special tokens of the SentencePiece and WordPiece kinds,
                 # case mapping, controls and format characters.
                 "<s>Hello</s>", "</s> <s>x", " <s> y", "[CLS] hi [SEP] [MASK]x",
                 "\u00c9COLE Stra\u00dfe \u0130stanbul \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3",
                 "a\u200db\u00adc\u0000d\u0007e\ufffdf", "x\u0085y\u2028z",
                 "don't do not I'm it's we've they're n't ' ,.?!", "word" * 40,
                 # Added tokens with lstrip, rstrip, single_word, normalized.
                 "a  <mask>  b<end>   c", "<end> <mask><mask>", "aHello Hello! HELLO hello_x",
                 "the COMPILER  MODEL and compiler model"]
    return texts


def sentencepiece_bpe_model(texts):
    """The serialized SentencePiece BPE model Llama-2's tokenizer is (byte
    fallback, digits split, no normalization), trained on `texts`
    (deterministic: one thread)."""
    import io

    import sentencepiece as spm
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip() and "\0" not in t]),
        model_writer=model, model_type="bpe", vocab_size=1500, byte_fallback=True,
        character_coverage=0.99, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=True, split_digits=True,
        allow_whitespace_only_pieces=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        max_sentence_length=100000, minloglevel=2, num_threads=1)
    return model.getvalue()


def train_sentencepiece(kind, texts):
    """A SentencePiece BPE model as Llama-2 has (sentencepiece_bpe_model),
    written as transformers' LlamaConverter writes it."""
    import sentencepiece as spm
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import processors
    from transformers.tokenization_utils_base import generate_merges
    sp = spm.SentencePieceProcessor(model_proto=sentencepiece_bpe_model(texts))
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    tok = Tokenizer(models.BPE(vocab, generate_merges(vocab), unk_token="<unk>", fuse_unk=True,
                               byte_fallback=True))
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True)
                            for t in ("<unk>", "<s>", "</s>")])
    if kind == "llama2":
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                               normalizers.Replace(" ", "\u2581")])
    else:
        tok.pre_tokenizer = pre_tokenizers.Metaspace("\u2581", prepend_scheme="first",
                                                     split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                     decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A",
                                                       special_tokens=[("<s>", 1)])
    if kind == "llama2":  # the legacy form is sentencepiece's own encoding
        for t in texts:
            if "<s>" not in t and "</s>" not in t:
                assert tok.encode(t).ids == [1] + sp.encode(t), t
    else:
        tok.enable_truncation(max_length=40, direction="left")
    return tok


def train_unigram(kind, texts):
    """A SentencePiece Unigram model with its NFKC character map, as
    tokenizers' SentencePieceUnigramTokenizer.from_spm converts it (unigram)
    or as transformers' SpmConverter does for T5 (t5: byte fallback, Strip,
    an EOS template)."""
    import io

    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip() and "\0" not in t]),
        model_writer=model, model_type="unigram", vocab_size=1500,
        character_coverage=0.99, normalization_rule_name="nmt_nfkc",
        byte_fallback=kind == "t5", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        max_sentence_length=100000, minloglevel=2, num_threads=1)
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    charsmap = proto.normalizer_spec.precompiled_charsmap
    vocab = [(p.piece, p.score) for p in proto.pieces]
    tok = Tokenizer(models.Unigram(vocab, proto.trainer_spec.unk_id,
                                   proto.trainer_spec.byte_fallback))
    if kind == "unigram":
        tok.normalizer = normalizers.Sequence([normalizers.Precompiled(charsmap),
                                               normalizers.Replace(Regex(" {2,}"), " ")])
    else:
        tok.normalizer = normalizers.Sequence([
            normalizers.Precompiled(charsmap), normalizers.Strip(left=False, right=True),
            normalizers.Replace(Regex(" {2,}"), "\u2581")])
        tok.add_special_tokens([AddedToken(t, normalized=False, special=True)
                                for t in ("<pad>", "</s>", "<unk>")])
        tok.post_processor = processors.TemplateProcessing(single="$A </s>",
                                                           special_tokens=[("</s>", 1)])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    return tok


def train_wordpiece(kind, texts):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers import trainers
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=kind == "bert")
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=1200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
        show_progress=False)
    tok.train_from_iterator(texts, trainer)
    # The trainer numbers some tokens in hash order; renumber (special
    # tokens first, then by text) so that the files are the same every run.
    trained = tok.get_vocab()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    order = specials + sorted(t for t in trained if t not in specials)
    tok.model = models.WordPiece({t: i for i, t in enumerate(order)}, unk_token="[UNK]")
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if kind == "bert":
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    else:
        tok.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    tok.decoder = decoders.WordPiece()
    if kind == "bert":  # added tokens with every matching flag
        from tokenizers import AddedToken
        tok.add_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True),
                        AddedToken("<end>", rstrip=True, normalized=False),
                        AddedToken("Hello", single_word=True, normalized=True),
                        AddedToken("compiler model", normalized=True)])
    if kind == "bert_cased":  # as sentence-transformers folders ship it
        tok.enable_truncation(max_length=32)
        tok.enable_padding(length=48, pad_id=0, pad_token="[PAD]")
    return tok


def train(kind, texts):
    from tokenizers import (Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers,
                            processors, trainers)
    if kind in ("llama2", "mistral"):
        return train_sentencepiece(kind, texts)
    if kind.startswith("bert"):
        return train_wordpiece(kind, texts)
    if kind in ("unigram", "t5"):
        return train_unigram(kind, texts)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if kind.startswith("gpt2"):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(
            add_prefix_space=kind == "gpt2_prefix_space", use_regex=True)
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
        special = ["<|endoftext|>"]
    else:
        tok = Tokenizer(models.BPE(ignore_merges=kind == "llama3"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3 if kind == "llama3" else QWEN2), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        special = ["<|begin_of_text|>", "<|endoftext|>", "<|eot_id|>"]
        if kind == "qwen2_nfc":
            tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=special,
                                  initial_alphabet=alphabet, show_progress=False)
    tok.train_from_iterator(texts, trainer)
    if kind == "llama3":
        bos = tok.token_to_id("<|begin_of_text|>")
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                          special_tokens=[("<|begin_of_text|>", bos)])])
    return tok


def write_decodes(tok, texts, path):
    rng = random.Random(7)
    vocab = tok.get_vocab_size()
    byte_ids = sorted(i for t, i in tok.get_vocab().items() if len(t) == 6 and t.startswith("<0x"))
    sequences = [tok.encode(t).ids for t in texts[::16]]
    for _ in range(300):
        n = rng.randint(1, 24)
        sequences.append([rng.choice(byte_ids) if byte_ids and rng.random() < 0.33
                          else rng.randrange(vocab) for _ in range(n)])
    with open(path, "w", encoding="utf-8") as f:
        for k, ids in enumerate(sequences):
            skip = k % 2 == 1
            f.write(json.dumps({"ids": ids, "skip": skip,
                                "text": tok.decode(ids, skip_special_tokens=skip)},
                               ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "tokenizer"))
    a = ap.parse_args()
    texts = corpus()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    for kind in ("gpt2", "gpt2_prefix_space", "llama3", "qwen2", "qwen2_nfc", "llama2", "mistral",
                 "bert", "bert_cased", "unigram", "t5"):
        tok = train(kind, texts)
        d = os.path.join(a.out, kind)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"), pretty=False)
        counts, ids = [], []
        for t in texts:
            encoding = tok.encode(t)
            e = [i for i, m in zip(encoding.ids, encoding.attention_mask) if m]
            counts.append(len(e))
            ids.extend(e)
        assert max(ids) < 65536
        with open(os.path.join(d, "ids.u16"), "wb") as f:
            f.write(struct.pack(f"<{len(ids)}H", *ids))
        with open(os.path.join(d, "counts.u32"), "wb") as f:
            f.write(struct.pack(f"<{len(counts)}I", *counts))
        write_decodes(tok, texts, os.path.join(d, "decode.jsonl"))
        print(f"make_tokenizer_goldens: {kind}: vocab {tok.get_vocab_size()}, "
              f"{len(ids)} ids for {len(texts)} texts")


if __name__ == "__main__":
    main()
