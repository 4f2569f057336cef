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
