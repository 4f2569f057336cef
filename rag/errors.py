"""Errors a user can meet. The CLI prints their message on one line and exits
non-zero; the UI shows it in the chat. Anything else is a bug and keeps its
traceback."""


class UserError(Exception):
    """A mistake or missing set-up step the user can fix; the message says how."""

    exit_code = 2


class ModelMissing(UserError):
    pass


class IndexMissing(UserError):
    pass


class BadInput(UserError):
    pass


class ModelError(UserError):
    """The model file is present but cannot be used as configured."""


class Unavailable(UserError):
    """A service this process relies on is down or failed: no further
    question can be answered until it is back (a batch stops)."""

    exit_code = 3


class LLMUnavailable(Unavailable):
    """An LLM server (`llm_url`) cannot be reached or failed a request; the
    message names the server. `rag serve` answers 503 with it."""
