"""One module per stage of the answer path (see rag/answer/pipeline.py)."""
