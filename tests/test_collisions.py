"""No run writes over a file it reads: out-dirs and inputs that overlap, and reports named like inputs.

Every case drives the real executable on a real temporary tree and compares the whole tree (every file's
bytes, every directory and symlink) before and after. The first case is the one reported in issue 19
("`file in --out-dir in/team`, with an Ingress in `in/team/web.yaml`: exit 0, the input was skipped and
then overwritten by the mirror of another file"); the expected outcome (exit 2 before anything is read or
written, both paths named) is the issue's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_gitops import meshify

INGRESS = """# the team's entry point
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: team
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""
OTHER = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team
data:
  mode: blue
"""


def tree_state(root: Path) -> dict[str, str | bytes]:
    """Every entry under `root`: a file's bytes, a symlink's target, `dir` for a directory."""
    state: dict[str, str | bytes] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            state[key] = "dir"
        else:
            state[key] = path.read_bytes()
    return state


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """`in/web.yaml` (a ConfigMap) and `in/team/web.yaml` (an Ingress), as in the issue."""
    (tmp_path / "in" / "team").mkdir(parents=True)
    (tmp_path / "in" / "team" / "web.yaml").write_text(INGRESS)
    (tmp_path / "in" / "web.yaml").write_text(OTHER)
    return tmp_path


def refused(work: Path, *args: str, names: tuple[str, ...]) -> str:
    """Run, and check: exit 2, one line on stderr naming `names`, nothing in the work tree changed."""
    before = tree_state(work)
    result = meshify(*args, cwd=work)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert tree_state(work) == before
    return lines[0]


def test_the_issue_out_dir_inside_the_input_tree_is_refused(work: Path) -> None:
    message = refused(work, "file", "in", "--out-dir", "in/team", names=("--out-dir in/team", " in:"))
    assert "inside the input directory" in message


def test_a_symlinked_out_dir_that_resolves_inside_the_input_is_refused(work: Path) -> None:
    (work / "outlink").symlink_to(work / "in" / "team", target_is_directory=True)
    refused(work, "file", "in", "--out-dir", "outlink", names=("outlink", " in:"))
    (work / "deeper").symlink_to(work / "in", target_is_directory=True)
    refused(work, "file", "in", "--out-dir", "deeper/team/new", names=("deeper/team/new", " in:"))


def test_an_input_spelled_with_dots_is_the_same_directory(work: Path) -> None:
    refused(work, "file", "in/./team/..", "--out-dir", "in/team/../team/x", names=("in/team/../team/x",))
    refused(work, "file", "in", "--out-dir", "./in/", names=("./in/", "is the input directory"))


def test_an_input_inside_the_out_dir_is_refused(work: Path) -> None:
    refused(work, "file", "in/team", "--out-dir", "in", names=("in/team", "--out-dir in"))
    refused(work, "file", "in/team/web.yaml", "--out-dir", "in", names=("in/team/web.yaml", "--out-dir in"))
    # A file input whose real path lies inside the out-dir (a symlink into it).
    (work / "elsewhere").mkdir()
    (work / "elsewhere" / "web.yaml").symlink_to(work / "in" / "team" / "web.yaml")
    refused(
        work, "file", "elsewhere/web.yaml", "--out-dir", "in/team", names=("elsewhere/web.yaml", "in/team")
    )
    refused(work, "file", "in/web.yaml", "--out-dir", "in/web.yaml", names=("in/web.yaml",))


def test_a_report_named_like_an_input_is_refused(work: Path) -> None:
    refused(work, "file", "in/web.yaml", "--report", "in/web.yaml", names=("--report in/web.yaml",))
    refused(work, "file", "in/web.yaml", "--report-json", "./in/../in/web.yaml", names=("--report-json",))
    # Found by the walk, not named: refused after reading, before anything is written.
    refused(work, "file", "in", "--report", "in/team/web.yaml", names=("--report", "in/team/web.yaml"))
    refused(work, "file", "in", "--in-place", "--report-json", "in/web.yaml", names=("in/web.yaml",))
    refused(work, "file", "in", "--out-dir", "out", "--report", "in/web.yaml", names=("in/web.yaml",))
    assert not (work / "out").exists()
    # The HTML report too, named or found by the walk, with or without --out-dir.
    refused(work, "file", "in/web.yaml", "--report-html", "in/web.yaml", names=("--report-html in/web.yaml",))
    refused(
        work, "file", "in", "--report-html", "in/team/web.yaml", names=("--report-html", "in/team/web.yaml")
    )
    refused(work, "file", "in", "--out-dir", "out", "--report-html", "in/web.yaml", names=("--report-html",))
    refused(
        work, "file", "in", "--report", "r.md", "--report-html", "./r.md", names=("--report-html", "r.md")
    )
    assert not (work / "out").exists()


def test_two_outputs_naming_one_file_are_refused(work: Path) -> None:
    refused(work, "file", "in", "--report", "r.md", "--report-json", "./r.md", names=("--report", "r.md"))
    refused(
        work, "file", "in", "--out-dir", "out", "--report", "out/team/web.yaml", names=("out/team/web.yaml",)
    )


def test_a_walked_file_linked_from_inside_the_out_dir_is_refused(work: Path) -> None:
    """The directories do not nest, but a walked file is a symlink to a file the run would write."""
    (work / "out").mkdir()
    (work / "out" / "linked.yaml").write_text(OTHER)
    (work / "in" / "linked.yaml").symlink_to(work / "out" / "linked.yaml")
    refused(work, "file", "in", "--out-dir", "out", names=("linked.yaml",))


def test_an_out_dir_the_walk_never_enters_is_accepted(work: Path) -> None:
    """Hidden directories are never walked, nor --exclude'd ones: nothing there is read, every output is
    written there, so the trees cannot collide; the inputs stay as they were, also on a second run."""
    inputs = tree_state(work / "in")
    for out, extra in ((".migrated", ()), ("migrated", ("--exclude", "migrated"))):
        for _ in range(2):
            result = meshify("file", "in", "--out-dir", f"in/{out}", *extra, cwd=work)
            assert result.returncode == 0, result.stderr
            assert "1 Ingress (1 converted)" in result.stderr  # the earlier output is not read back
            now = tree_state(work / "in")
            assert {k: v for k, v in now.items() if not k.startswith((".migrated", "migrated"))} == inputs
            assert b"kind: VirtualService" in (work / "in" / out / "team" / "web.yaml").read_bytes()
    # Without the --exclude, the same out-dir is refused.
    refused(work, "file", "in", "--out-dir", "in/migrated", names=("in/migrated", "--exclude migrated"))


def test_in_place_still_rewrites_each_input_itself(work: Path) -> None:
    result = meshify("file", "in", "--in-place", "--report", "report.md", cwd=work)
    assert result.returncode == 0, result.stderr
    assert b"kind: VirtualService" in (work / "in" / "team" / "web.yaml").read_bytes()
    assert (work / "in" / "web.yaml").read_text() == OTHER
