"""Files kept in the cache directory (model prompt states, the corpus's
dictionary): each written whole or not at all, so a reader never finds half a
file, and a cache that cannot be written costs only the time to rebuild."""

from __future__ import annotations

import os
from pathlib import Path


def write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file renamed into place;
    an unwritable cache (read-only, full disk) is silently skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
