"""`rag serve`: one long-lived process that loads the models once and serves
the chat and an OpenAI-compatible HTTP API side by side.

- `app.py`: the routes, a thin layer over the one `Assistant`;
- `protocol.py`: OpenAI's wire format, with the answer's record in `rag`;
- `guard.py`: loopback by default, the API key, request size limits;
- `library.py`: the calls the index holds;
- `run.py`: the command (bind checks, model load, uvicorn);
- `client.py`: how `rag ask/search/batch --server` talk to it (stdlib only);
- `bench.py`: concurrent clients through the service, timed.
"""
