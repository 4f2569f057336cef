import pytest

from rag.config import load_config
from rag.errors import UserError


def test_defaults_work_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(env={})
    assert cfg.llm_model == "default" and cfg.embedder == "default"
    assert cfg.corpus[0].endswith("alibaba-2023q4-earnings-call-zh.txt")
    assert cfg.top_k == 5 and cfg.context_tokens == 400


def test_precedence_file_then_env_then_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rag.toml").write_text('top_k = 7\nllm_model = "fast"\nport = 9000\n')
    cfg = load_config(env={})
    assert (cfg.top_k, cfg.llm_model, cfg.port) == (7, "fast", 9000)
    cfg = load_config(env={"RAG_TOP_K": "3"})
    assert (cfg.top_k, cfg.llm_model) == (3, "fast")
    cfg = load_config({"top_k": 9, "llm_model": None}, env={"RAG_TOP_K": "3"})
    assert (cfg.top_k, cfg.llm_model) == (9, "fast")


def test_config_file_from_env_and_bad_values(tmp_path):
    f = tmp_path / "other.toml"
    f.write_text("context_tokens = 300\n")
    assert load_config(env={"RAG_CONFIG": str(f)}).context_tokens == 300
    with pytest.raises(UserError, match="not a valid"):
        load_config(env={"RAG_TOP_K": "many"})
    f.write_text("nonsense_key = 1\n")
    with pytest.raises(UserError, match="unknown keys"):
        load_config(env={"RAG_CONFIG": str(f)})
    with pytest.raises(UserError, match="not found"):
        load_config(env={"RAG_CONFIG": str(tmp_path / "missing.toml")})


def test_service_settings_url_lists_and_secrets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(env={"RAG_LLM_URL": "http://10.0.0.1:8001, http://10.0.0.2:8001/v1",
                           "RAG_SERVER": "http://127.0.0.1:7860", "RAG_API_KEY": "k1", "RAG_LLM_API_KEY": "k2"})
    assert cfg.llm_url == ["http://10.0.0.1:8001", "http://10.0.0.2:8001/v1"]  # commas: URLs hold ':'
    assert cfg.server == "http://127.0.0.1:7860" and cfg.api_key == "k1"
    shown = cfg.to_dict()
    assert shown["api_key"] == shown["llm_api_key"] == "(set)"
    assert load_config(env={}).to_dict()["api_key"] == ""
    from rag.remote_llm import check_urls

    assert check_urls(cfg.llm_url) == ["http://10.0.0.1:8001", "http://10.0.0.2:8001"]
    with pytest.raises(UserError, match="not an http"):
        check_urls(["10.0.0.1:8001"])
