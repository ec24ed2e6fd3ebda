"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` through a temporary file in the same directory, fsync, then rename.

    An interrupted run leaves either the old file or the new one. An existing file keeps its mode.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if mode is None and os.path.exists(path):
        mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".meshify-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
