"""Where a run reads and where it writes never meet: no run writes over a file it read.

Two guards, both exit 2 with one line naming both paths:

- `check_trees`, before anything is read: an --out-dir that is an input directory, lies inside one, or
  holds an input (a file or a directory) is refused, unless the walk of that input directory never enters
  the out-dir (a directory on the way is hidden, or matched by an --exclude glob): then nothing under the
  out-dir is read and every output lies under it, so the two cannot collide. A report path that is an
  input file is refused too.
- `remember_read` and `check_write`: every file a run read is remembered by its identity on disk; every
  write (`fsutil`) and every planned output (`check_writes`, before the first write) is compared with
  them. Only `--in-place` replaces a file it read, and only with that file's own rewrite.

Paths are compared by what they are on disk, not how they are spelled: device and inode of each directory
along the resolved path (symlinks followed, `.` and `..` resolved), so two spellings of one directory on a
case-insensitive filesystem, a symlinked out-dir or a bind mount are the same directory. A file linked
into a walked directory from inside the out-dir is not visible to the first check; the second one refuses
it after reading, before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from kubectl_meshify.errors import UsageError

STDIN = "-"
_Identity = tuple[int, int]
# Identity (device, inode) of every file this run read → the path it was read as.
_read: dict[_Identity, str] = {}


def _identity(path: str) -> _Identity | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def within(inner: str, outer: str) -> list[str] | None:
    """The names of the directories from `outer` down to `inner` when `inner` is `outer` or lies inside it
    ([] when they are the same), None otherwise. `inner` need not exist yet."""
    target = _identity(outer)
    if target is None:
        return None
    path = os.path.realpath(inner)
    below: list[str] = []
    while True:
        if _identity(path) == target:
            return below[::-1]
        parent = os.path.dirname(path)
        if parent == path:
            return None
        below.append(os.path.basename(path))
        path = parent


def check_trees(
    paths: Sequence[str],
    out_dir: str | None,
    reports: dict[str, str | None],
    globs: Sequence[str] = (),
) -> None:
    """Refuse, before anything is read, an out-dir and inputs that overlap, or a report that is an input.

    `reports` maps an option (`--report`) to the path given with it (None: not given).
    """
    from kubectl_meshify.sources.files import excluded

    given = [p for p in paths if p != STDIN and os.path.exists(p)]
    if out_dir is not None:
        for path in given:
            below = within(out_dir, path)
            if below is not None and os.path.isdir(path):
                walked = [os.path.join(path, *below[: n + 1]) for n in range(len(below))]
                if any(os.path.basename(d).startswith(".") or excluded(d, path, globs) for d in walked):
                    continue  # the walk never enters the out-dir: nothing there is read
                what = "is the input directory" if not below else "lies inside the input directory"
                hint = (
                    f", or, if nothing in it is an input, leave it out of the walk (--exclude {below[0]})"
                    if below
                    else ""
                )
                raise UsageError(
                    f"--out-dir {out_dir} {what} {path}: the run would write over files it reads;"
                    f" write outside the inputs{hint}"
                )
            if below == []:
                raise UsageError(f"--out-dir {out_dir} is the input file {path}")
            if within(path, out_dir) is not None:
                kind = "directory" if os.path.isdir(path) else "file"
                raise UsageError(
                    f"the input {kind} {path} lies inside --out-dir {out_dir}: the run would write over"
                    " files it reads; write outside the inputs, or use --in-place"
                )
    for option, report in reports.items():
        if report is None:
            continue
        for path in given:
            if not os.path.isdir(path) and _identity(report) == _identity(path):
                raise UsageError(f"{option} {report} is the input file {path}: the run would write over it")


def remember_read(paths: Iterable[str]) -> None:
    """Remember files this run read (stdin and missing paths are ignored)."""
    for path in paths:
        if path == STDIN:
            continue
        identity = _identity(path)
        if identity is not None:
            _read.setdefault(identity, path)


def check_write(path: str, own_input: str | None = None) -> None:
    """Refuse to write `path` when it is a file this run read, unless it is `own_input` (--in-place)."""
    if not _read:
        return
    identity = _identity(path)
    if identity is None:
        return
    read_as = _read.get(identity)
    if read_as is None or (own_input is not None and _identity(own_input) == identity):
        return
    shown = path if os.path.normpath(path) == os.path.normpath(read_as) else f"{path} (the file {read_as})"
    raise UsageError(f"{shown} was read as an input: this run does not write over a file it reads")


def check_writes(outputs: Sequence[tuple[str | None, str, str | None]]) -> None:
    """Check every planned output before the first is written: (path or None when there is none, what it
    is, its own input or None).

    None may be a file this run read (except each in-place rewrite of itself), and no two may be one file.
    """
    seen: dict[str, str] = {}
    real_dirs: dict[str, str] = {}
    for path, what, own_input in outputs:
        if path is None:
            continue
        try:
            check_write(path, own_input)
        except UsageError as err:
            raise UsageError(f"{what}: {err}") from None
        real = _real_path(path, real_dirs)
        if real in seen and seen[real] != what:
            raise UsageError(f"{what} and {seen[real]} are the same file {path}")
        seen.setdefault(real, what)


def _real_path(path: str, real_dirs: dict[str, str]) -> str:
    """`os.path.realpath(path)`, resolving each directory once (a tree's outputs share a few)."""
    if os.path.islink(path):
        return os.path.realpath(path)
    directory, name = os.path.split(os.path.abspath(path))
    real = real_dirs.get(directory)
    if real is None:
        real = real_dirs[directory] = os.path.realpath(directory)
    return os.path.join(real, name)
