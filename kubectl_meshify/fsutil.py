"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import TextIO

from kubectl_meshify.collisions import check_write

# A file's text whole, or in pieces written one after another (a large report is never joined into one).
Text = str | list[str]
# What can be written: a text, or pieces made one at a time as they are written (never all held at once).
Writable = str | Iterable[str]

_SLICE = 1 << 20


def write_text(stream: TextIO, text: Writable) -> None:
    """Write `text` a slice at a time: a text stream encodes what it is given in one piece, and a whole
    report or rewritten file encoded at once is one more copy of it in memory."""
    if not isinstance(text, str):
        for piece in text:
            write_text(stream, piece)
        return
    for start in range(0, len(text), _SLICE):
        stream.write(text[start : start + _SLICE])


def write_atomic(path: str, text: Writable, mode: int | None = None) -> None:
    """Write `text` to `path` through a temporary file in the same directory, fsync, then rename.

    An interrupted run leaves either the old file or the new one. An existing file keeps its mode. A file
    the run read is never written over (`collisions`).
    """
    check_write(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if mode is None and os.path.exists(path):
        mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".meshify-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            write_text(stream, text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class StagedFiles:
    """Replace many files so that an interruption leaves each one old or new, and most often all old.

    `stage` writes each new content to a temporary file next to its target and fsyncs it; `commit` then
    renames them all in one quick pass. A failure or interruption while staging leaves every target as
    it was (`discard` removes the temporary files); only the rename pass can leave some files new.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[str, str]] = []  # (temporary file, target)

    def stage(
        self,
        path: str,
        text: Writable | bytes | None = None,
        copy_from: str | None = None,
        own_input: str | None = None,
        mode: int | None = None,
    ) -> None:
        """Stage `text` (str: written as UTF-8) for `path`, or a byte-for-byte copy of `copy_from` (mode
        and mtime kept). `mode`: the new file's mode (default: the existing file's, else 0o644).

        `path` may be a file the run read only when it is `own_input` (the --in-place rewrite of it).
        """
        import shutil

        check_write(path, own_input)

        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".meshify-", dir=directory)
        self.staged.append((tmp, path))
        if copy_from is not None:
            os.close(fd)
            shutil.copy2(copy_from, tmp)
            with open(tmp, "rb+") as stream:
                os.fsync(stream.fileno())
            return
        if mode is None:
            mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        if isinstance(text, bytes):  # already in the file's own encoding (a UTF-16 input rewritten)
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
                binary.flush()
                os.fsync(binary.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
                write_text(stream, text or "")
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(tmp, mode)

    def commit(self) -> None:
        directories = set()
        for tmp, path in self.staged:
            os.replace(tmp, path)
            directories.add(os.path.dirname(os.path.abspath(path)))
        self.staged = []
        for directory in sorted(directories):  # make the renames themselves durable
            try:
                fd = os.open(directory, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass
            finally:
                os.close(fd)

    def discard(self) -> None:
        for tmp, _ in self.staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.staged = []
