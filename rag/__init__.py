"""Offline question answering over earnings-call transcripts, with citations."""

import os

# Set before torch, transformers, chromadb or gradio are imported anywhere:
# - nothing may reach a model hub or telemetry endpoint (there is no network);
# - OMP_WAIT_POLICY=PASSIVE stops torch's idle threads spinning on the two
#   cores the LLM needs (a query went from 22 ms to ~970 ms without it).
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "OMP_WAIT_POLICY": "PASSIVE",
}.items():
    os.environ.setdefault(_key, _value)

__version__ = "0.1.0"


def __getattr__(name):
    # `from rag import Assistant` without importing the heavy stack for the CLI's --help.
    if name in ("Assistant", "Answer"):
        from . import assistant

        return getattr(assistant, name)
    raise AttributeError(name)
