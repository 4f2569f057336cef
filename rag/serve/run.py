"""`rag serve`: checks where it may listen before loading anything, loads
the Assistant once, reads the prompts' fixed parts in the background, and
serves the chat and the API with uvicorn until stopped."""

from __future__ import annotations

import socket
import sys
import threading

from ..config import Config
from ..errors import UserError
from .guard import check_bind


def _check_port(host: str, port: int) -> None:
    """A one-line error now, rather than uvicorn's after the models load."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def _warm(assistant) -> None:
    try:
        assistant.warm_up()
    except UserError as e:  # an LLM server not up yet: the first question will say so
        print(f"rag serve: warm-up skipped: {e}", file=sys.stderr, flush=True)


def cmd_serve(cfg: Config, args) -> int:
    import uvicorn

    from ..assistant import Assistant
    from .app import create_app

    warning = check_bind(cfg.host, cfg.api_key, args.insecure)
    if warning:
        print(f"rag serve: {warning}", file=sys.stderr, flush=True)
    _check_port(cfg.host, cfg.port)
    assistant = Assistant(cfg)
    threading.Thread(target=_warm, args=(assistant,), daemon=True).start()
    app = create_app(assistant, cfg, chat=not args.no_chat)
    llm = ", ".join(cfg.llm_url) if cfg.llm_url else f"{assistant.llm.name} in-process"
    host = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
    print(f"serving on http://{host}:{cfg.port}: " + ("chat at /, " if not args.no_chat else "")
          + f"API at /v1 (LLM: {llm}){'; API key required' if cfg.api_key else ''}", flush=True)
    uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", timeout_keep_alive=30)
    return 0
