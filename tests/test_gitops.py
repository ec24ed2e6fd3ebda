"""GitOps mode through the real executable: `file --out-dir`, `--in-place`, `--keep-ingress`.

The tricky corpus (tests/gitops/tricky) holds a header before the first `---`, comments between
documents, a comment-only document, comments before keys that are dropped, end-of-line comments on paths,
flow-style maps, quoted strings, CRLF line ends, a file without a final newline, `---` inside block
scalars, a 4-space file, a YAML List, JSON files, a failed Ingress, a file without Ingress, and an
Ingress whose routes merge into another file's VirtualService. Its expected output (tests/gitops/expected)
is compared as text; regenerate with `pytest tests/test_gitops.py --update-golden` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_meshify.sources.files import split_documents
from tests.conftest import istio_errors

ROOT = Path(__file__).resolve().parents[1]
GITOPS = Path(__file__).parent / "gitops"
TRICKY = GITOPS / "tricky"
EXPECTED = GITOPS / "expected"
REPORTS = {"report.md", "report.json"}
_KIND = re.compile(r"^kind:[ \t]*[\"']?([A-Za-z0-9]+)", re.M)


def meshify(
    *args: str, cwd: Path, stdin: str | None = None, python: str = ""
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", python + "from kubectl_meshify.cli import main; main()", *args]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def manifests(directory: Path) -> dict[str, bytes]:
    """Relative path → bytes of every manifest file under `directory` (reports excluded)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name not in REPORTS and path.suffix in (".yaml", ".yml", ".json"):
            found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


def convert(tmp_path: Path, *extra: str, name: str = "out") -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Run `file tricky --out-dir <tmp>/name` from tests/gitops, so paths in comments are stable."""
    out = tmp_path / name
    result = meshify("file", "tricky", "--out-dir", str(out), *extra, cwd=GITOPS)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return out, result


def is_ingress(text: str) -> bool:
    """An Ingress document, or a List document holding one."""
    kind = _KIND.search(text)
    if kind and kind.group(1) == "List":
        return re.search(r"^\s+(?:- )?kind: Ingress", text, re.M) is not None
    return bool(kind and kind.group(1) == "Ingress")


def is_generated(text: str) -> bool:
    return "app.kubernetes.io/managed-by: kubectl-meshify" in text


def ingress_comments(path: Path) -> list[str]:
    """Every comment of every Ingress document of a YAML file, found without the project's code:
    full-line comments by text, end-of-line ones by ruamel.yaml's round-trip scanner."""
    ruamel_yaml = pytest.importorskip("ruamel.yaml")
    text = path.read_text(encoding="utf-8")
    found: list[str] = []
    for doc in split_documents(text):
        if not is_ingress(doc.text) or "kind: List" in doc.text:
            continue
        found += [line.strip() for line in doc.text.splitlines() if line.strip().startswith("#")]
        data = ruamel_yaml.YAML().load(doc.text)
        found += [c for c in _ruamel_comments(data) if c not in found]
    return found


def _ruamel_comments(node: Any) -> list[str]:
    found: list[str] = []

    def tokens(value: Any) -> None:
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                tokens(item)
            return
        for line in str(getattr(value, "value", value)).splitlines():  # a token, or text (block scalar)
            if line.strip().startswith("#"):
                found.append(line.strip())

    def walk(value: Any) -> None:
        ca = getattr(value, "ca", None)
        if ca is not None:
            tokens(ca.comment)
            for slots in ca.items.values():
                tokens(slots)
            tokens(ca.end)
        if isinstance(value, dict):
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return found


# --- the tricky corpus ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One `--out-dir` run of the tricky corpus, shared by the tests that only read its output."""
    return convert(tmp_path_factory.mktemp("gitops"))


def test_output_matches_expected(tmp_path: Path, update_golden: bool) -> None:
    out, _ = convert(tmp_path)
    produced = manifests(out)
    if update_golden:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for relative, content in produced.items():
            target = EXPECTED / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    assert produced == manifests(EXPECTED)
    assert set(produced) == set(manifests(TRICKY)), "every input file has an output file"


def test_every_ingress_comment_is_carried(converted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = converted
    output = "\n".join(content.decode() for content in manifests(out).values())
    checked = 0
    for path in sorted(TRICKY.rglob("*.yaml")):
        for comment in ingress_comments(path):
            assert comment in output, f"{path.name}: comment lost: {comment}"
            checked += 1
    assert checked >= 30  # the corpus is full of them: make sure they were really looked at


def test_other_documents_are_byte_identical(converted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = converted
    for path in sorted(TRICKY.rglob("*.yaml")):
        before = path.read_text(encoding="utf-8")
        after = (out / path.relative_to(TRICKY)).read_text(encoding="utf-8")
        first = before.find("apiVersion")
        if not any(is_ingress(d.text) for d in split_documents(before)):
            assert after == before
            continue
        kept = [d.text for d in split_documents(before) if not is_ingress(d.text)]
        passed = [
            d.text for d in split_documents(after) if not is_ingress(d.text) and not is_generated(d.text)
        ]
        assert passed == kept
        for text in kept:
            assert text in after
        head = before[: before.find("\n---", 0, first) + 1] if "\n---" in before[:first] else ""
        assert after.startswith(head), f"{path.name}: the file header changed"


def test_line_ends_and_final_newline_are_kept(
    converted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, _ = converted
    crlf = (out / "crlf.yaml").read_bytes()
    assert b"\r\n" in crlf and b"\n" not in crlf.replace(b"\r\n", b"")
    assert (out / "no-newline.yaml").read_bytes()[-1:] != b"\n"
    assert (out / "shop.yaml").read_bytes().endswith(b"ISTIO_MUTUAL}}\n")


def all_objects(directory: Path) -> list[dict[str, Any]]:
    """Every object of every manifest file under `directory` (Lists expanded); each file must parse."""
    objects: list[dict[str, Any]] = []
    for relative, content in manifests(directory).items():
        text = content.decode()
        docs = [json.loads(text)] if relative.endswith(".json") else list(yaml.safe_load_all(text))
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "List":
                objects += doc["items"]
            elif doc:
                objects.append(doc)
    return objects


def test_output_is_valid_istio_and_parses(converted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = converted
    objects = all_objects(out)
    istio = [o for o in objects if str(o.get("apiVersion", "")).startswith("networking.istio.io/")]
    assert len(istio) >= 12
    assert istio_errors(istio) == []
    # Quoted on output: YAML 1.1 reads `y` (namespace of the List) as a boolean; it must stay a string.
    assert all(isinstance(o["metadata"].get("namespace", ""), str) for o in objects)


def test_merged_objects_are_placed_once(converted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = converted
    shop = (out / "shop.yaml").read_text()
    team_b = (out / "team-b/shared-host.yaml").read_text()
    assert shop.count("name: shop-example-com") == 1 and "name: shop.b.r0.p0" in shop
    assert "kind:" not in team_b
    assert "placed with Ingress shop/web (../shop.yaml)" in team_b
    names = [
        (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"])
        for o in all_objects(out)
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") == "kubectl-meshify"
    ]
    assert len(names) == 14
    assert len(names) == len(set(names)), "a generated object appears twice"


def test_failed_ingress_and_files_without_ingress_are_left_alone(
    converted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, result = converted
    assert result.returncode == 1  # the broken Ingress failed
    assert (out / "failed.yaml").read_bytes() == (TRICKY / "failed.yaml").read_bytes()
    copy = out / "no-ingress.yaml"
    assert copy.read_bytes() == (TRICKY / "no-ingress.yaml").read_bytes()
    assert copy.stat().st_mtime_ns == (TRICKY / "no-ingress.yaml").stat().st_mtime_ns
    report = json.loads((out / "report.json").read_text())
    status = {Path(f["path"]).name: f["status"] for f in report["summary"]["files"]}
    assert status["no-ingress.yaml"] == "no-ingress"
    assert status["failed.yaml"] == "unchanged"
    assert status["shop.yaml"] == "rewritten"
    assert "no-ingress" in (out / "report.md").read_text()


def test_annotation_comment_without_a_field_reaches_the_report(
    converted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, _ = converted
    report = json.loads((out / "report.json").read_text())
    web = next(i for i in report["ingresses"] if i["name"] == "web")
    finding = next(
        f for f in web["findings"] if f["annotation"] == "nginx.ingress.kubernetes.io/ssl-redirect"
    )
    assert "old clients still speak plain HTTP" in finding["message"]
    assert web["annotation_comments"] == [
        {"annotation": "example.com/owner", "comment": "# not an nginx key"}
    ]


def test_json_files_are_rewritten_as_json(converted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = converted
    single = json.loads((out / "ingress.json").read_text())
    assert single["kind"] == "List"
    assert {o["kind"] for o in single["items"]} == {"Gateway", "VirtualService"}
    listed = json.loads((out / "list.json").read_text())
    source = json.loads((TRICKY / "list.json").read_text())
    assert listed["items"][0] == source["items"][0]  # the Service item is unchanged
    assert [o["kind"] for o in listed["items"]] == ["Service", "VirtualService"]
    assert (out / "list.json").read_text().startswith('{\n    "apiVersion"')  # the input's indentation


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    first, _ = convert(tmp_path)
    second = tmp_path / "again"
    result = meshify("file", str(first), "--out-dir", str(second), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # the broken Ingress is still there
    assert manifests(second) == manifests(first)
    assert "0 rewritten" in result.stderr


def test_keep_ingress_is_idempotent_and_finishes_like_a_direct_run(tmp_path: Path) -> None:
    kept, _ = convert(tmp_path, "--keep-ingress", name="kept")
    shop = (kept / "shop.yaml").read_text()
    source = (TRICKY / "shop.yaml").read_text()
    ingress = next(d.text for d in split_documents(source) if is_ingress(d.text))
    assert ingress.split("# a leftover")[0] in shop  # the Ingress is still there, as it was
    assert shop.index("kind: Ingress") < shop.index("kind: VirtualService")
    again = tmp_path / "kept-again"
    result = meshify("file", str(kept), "--out-dir", str(again), "--keep-ingress", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert manifests(again) == manifests(kept), "a second --keep-ingress run duplicated or changed documents"
    direct, _ = convert(tmp_path, name="direct")
    final = tmp_path / "final"
    shutil.copytree(kept, final)
    result = meshify("file", str(final), "--in-place", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert {k: v for k, v in manifests(final).items() if k not in REPORTS} == manifests(direct)


def test_pure_python_parser_gives_the_same_output(tmp_path: Path) -> None:
    out, _ = convert(tmp_path)
    pure = tmp_path / "pure"
    block_libyaml = "import sys; sys.modules['yaml._yaml'] = None\n"
    probe = meshify(
        python=block_libyaml
        + "import yaml, kubectl_meshify.yamlio as y; print(yaml.__with_libyaml__, y._BaseLoader.__name__); raise SystemExit\n",
        cwd=GITOPS,
    )
    assert probe.stdout.split() == ["False", "SafeLoader"], probe.stderr
    result = meshify("file", "tricky", "--out-dir", str(pure), python=block_libyaml, cwd=GITOPS)
    assert result.returncode == 1, result.stderr
    assert manifests(pure) == manifests(out)


# --- paths, refusals, in place --------------------------------------------------------------------


def test_in_place_rewrites_only_files_with_ingresses(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TRICKY, tree)
    os.chmod(tree / "shop.yaml", 0o640)
    untouched = {
        p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in (tree / "no-ingress.yaml", tree / "failed.yaml")
    }
    expected, _ = convert(tmp_path)
    result = meshify("file", str(tree), "--in-place", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "8 rewritten, 1 without an Ingress, 1 with nothing to change (in place)" in result.stderr
    for path, stat in untouched.items():
        assert (path.stat().st_mtime_ns, path.stat().st_ino) == stat
    assert (tree / "shop.yaml").stat().st_mode & 0o777 == 0o640
    assert manifests(tree) == manifests(expected)  # the same transformation as --out-dir
    stamps = {p: p.stat().st_mtime_ns for p in tree.rglob("*.yaml")}
    again = meshify("file", str(tree), "--in-place", "--keep-ingress", cwd=tmp_path)
    assert "0 rewritten" in again.stderr, again.stderr
    assert {p: p.stat().st_mtime_ns for p in tree.rglob("*.yaml")} == stamps
    assert not [p for p in tree.rglob(".meshify-*")], "a temporary file was left behind"


def test_out_dir_run_again_rewrites_only_the_files_that_differ(tmp_path: Path) -> None:
    """A second run into the same DIR compares each output with the file already there (write.py `write`:
    "files that would not change are not touched"): an output altered in any way (one byte, cut short,
    grown) is written again, and every other file keeps its inode and time."""
    out, _ = convert(tmp_path)
    expected = manifests(out)
    altered = {
        "shop.yaml": lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:],  # the same size
        "crlf.yaml": lambda b: b[:-1],  # cut short
        "ingress.json": lambda b: b + b" ",  # grown
        "no-ingress.yaml": lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:],  # a copy: the same size
        "team-b/shared-host.yaml": lambda b: b[:-5],  # cut short
    }
    for name, alter in altered.items():
        path = out / name
        path.write_bytes(alter(path.read_bytes()))
    stamps = {name: ((out / name).stat().st_mtime_ns, (out / name).stat().st_ino) for name in expected}
    convert(tmp_path)
    assert manifests(out) == expected
    now = {name: ((out / name).stat().st_mtime_ns, (out / name).stat().st_ino) for name in expected}
    assert {name for name in expected if now[name] != stamps[name]} == set(altered)


def test_refusals_write_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TRICKY, tree)
    before = manifests(tree)
    cases = [
        (["file", "-", "--in-place"], "--in-place cannot rewrite stdin"),
        (["file", str(tree), "--in-place", "--out-dir", str(tmp_path / "o")], "exclude each other"),
        (["file", str(tree), "--keep-ingress"], "--keep-ingress needs --out-dir"),
        (["file", str(tree / "shop.yaml"), "--out-dir", str(tree)], "lies inside --out-dir"),
    ]
    for args, message in cases:
        result = meshify(*args, cwd=tmp_path, stdin="")
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    assert manifests(tree) == before
    assert not (tmp_path / "o").exists()


def test_a_report_never_overwrites_a_mirrored_file(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.yaml").write_text(APP.format(n=1))
    (tree / "report.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "r"}}\n'
    )
    refused = meshify("file", str(tree), "--out-dir", "out", cwd=tmp_path)
    assert refused.returncode == 2 and "name the report with --report-json" in refused.stderr
    assert not (tmp_path / "out").exists()
    done = meshify("file", str(tree), "--out-dir", "out", "--report-json", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.json").read_text() == (tree / "report.json").read_text()
    assert (tmp_path / "out" / "report.md").exists() and (tmp_path / "r.json").exists()


def test_inputs_outside_the_working_directory_are_mirrored_under_the_out_dir(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    elsewhere = tmp_path / "elsewhere" / "deep"
    shutil.copytree(TRICKY, elsewhere)
    listing = sorted(p for p in tmp_path.rglob("*"))
    result = meshify(
        "file", "../elsewhere/deep/shop.yaml", str(elsewhere / "crlf.yaml"), "--out-dir", "out", cwd=work
    )
    assert result.returncode == 0, result.stderr
    created = sorted(set(tmp_path.rglob("*")) - set(listing))
    assert all(p.is_relative_to(work / "out") for p in created), created
    assert (work / "out" / "shop.yaml").exists() and (work / "out" / "crlf.yaml").exists()


def test_out_dir_inside_the_input_is_not_read_back(tmp_path: Path) -> None:
    """Inside the input tree only when left out of the walk (tests/test_collisions.py has the rest)."""
    tree = tmp_path / "tree"
    shutil.copytree(TRICKY, tree)
    refused = meshify("file", str(tree), "--out-dir", str(tree / "migrated"), cwd=tmp_path)
    assert refused.returncode == 2 and "inside the input directory" in refused.stderr
    for _ in range(2):
        result = meshify(
            "file", str(tree), "--out-dir", str(tree / "migrated"), "--exclude", "migrated", cwd=tmp_path
        )
        assert result.returncode == 1, result.stderr
        assert "9 Ingresses" in result.stderr  # the migrated copies are not inputs


def test_byte_order_mark_is_kept(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + (TRICKY / "four-spaces.yaml").read_bytes())
    result = meshify("file", "bom.yaml", "--in-place", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    content = (tmp_path / "bom.yaml").read_bytes()
    assert (
        content.startswith(b"\xef\xbb\xbf# converted from Ingress blog/blog")
        and content.count(b"\xef\xbb\xbf") == 1
    )


def test_stdin_goes_to_a_named_file(tmp_path: Path) -> None:
    text = (TRICKY / "four-spaces.yaml").read_text()
    result = meshify("file", "-", "--out-dir", "out", cwd=tmp_path, stdin=text)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "out" / "stdin.yaml").read_text()
    assert "kind: VirtualService" in written and result.stdout == ""


# --- interrupted in-place run -----------------------------------------------------------------------

APP = """# app {n}
apiVersion: v1
kind: Service
metadata:
  name: app{n}
  namespace: team
spec:
  ports:
    - name: http
      port: 80
---
# entry point of app {n}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app{n}
  namespace: team
spec:
  rules:
    - host: app{n}.example.com
      http:
        paths:
          - path: /  # everything
            pathType: Prefix
            backend:
              service:
                name: app{n}
                port:
                  name: http
"""


def _tree_of_apps(tmp_path: Path, count: int) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A tree of `count` files (Service + Ingress each), its contents, and what --in-place makes of them."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(count):
        (tree / f"app{n:04d}.yaml").write_text(APP.format(n=n))
    reference = tmp_path / "reference"
    result = meshify("file", str(tree), "--out-dir", str(reference), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    old, new = manifests(tree), manifests(reference)
    assert set(old) == set(new) and all(old[k] != new[k] for k in old)
    return tree, old, new


def _kill_in_place_run(tree: Path, tmp_path: Path, started: Any) -> int:
    """Start `--in-place` on `tree`, SIGKILL it as soon as `started()` says so; its return code."""
    child = subprocess.Popen(
        [sys.executable, "-m", "kubectl_meshify", "file", str(tree), "--in-place"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if started():
            child.send_signal(signal.SIGKILL)
            break
    return child.wait()


def _states(tree: Path, old: dict[str, bytes], new: dict[str, bytes]) -> set[str]:
    now = manifests(tree)
    assert set(now) == set(old)
    for content in now.values():
        assert list(yaml.safe_load_all(content))
    return {"old" if now[k] == old[k] else "new" if now[k] == new[k] else f"broken: {k}" for k in now}


def test_killed_in_place_run_leaves_every_file_intact(tmp_path: Path) -> None:
    tree, old, new = _tree_of_apps(tmp_path, 150)

    def staging() -> bool:  # the first temporary file exists: new contents are being written
        return any(entry.name.startswith(".meshify-") for entry in os.scandir(tree))

    code = _kill_in_place_run(tree, tmp_path, staging)
    assert code == -signal.SIGKILL, "the run finished before it could be interrupted"
    assert _states(tree, old, new) == {"old"}  # nothing is renamed before every file is staged
    leftovers = [p.name for p in tree.iterdir() if not p.name.endswith(".yaml")]
    assert leftovers and all(name.startswith(".meshify-") for name in leftovers)  # hidden, not manifests

    first = tree / "app0000.yaml"
    mark = first.stat().st_mtime_ns, first.stat().st_ino

    def renaming() -> bool:  # the first file has been replaced: the rename pass has begun
        stat = first.stat()
        return (stat.st_mtime_ns, stat.st_ino) != mark

    _kill_in_place_run(tree, tmp_path, renaming)
    states = _states(tree, old, new)
    assert states <= {"old", "new"} and "new" in states, states
    result = meshify("file", str(tree), "--in-place", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_objects_from_an_earlier_partial_run_are_reported(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.yaml").write_text(APP.format(n=1))
    (tree / "b.yaml").write_text(APP.format(n=2))
    first = meshify("file", str(tree / "a.yaml"), "--in-place", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "GITOPS_EARLIER_OUTPUT" not in first.stderr
    report = tmp_path / "report.json"
    second = meshify("file", str(tree), "--in-place", "--report-json", str(report), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "1 object(s) generated by an earlier run" in second.stderr
    findings = json.loads(report.read_text())["findings"]
    assert [f["code"] for f in findings] == ["GITOPS_EARLIER_OUTPUT"]
    assert "Gateway team/meshify" in findings[0]["message"] and "team/app1" in findings[0]["message"]
    # The earlier document is passed through untouched; the new Gateway is with b's Ingress.
    assert (
        "kind: Gateway" in (tree / "a.yaml").read_text() and "kind: Gateway" in (tree / "b.yaml").read_text()
    )


def test_list_with_quoted_keys_keeps_its_other_items(tmp_path: Path) -> None:
    """`"kind": "List"` is a List however its keys are spelled: the Ingress in it is replaced, the
    ConfigMap beside it stays (a List read as a single Ingress document was replaced whole)."""
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    keep = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep-me", "namespace": "shop"}}
    source = tmp_path / "in" / "app.yaml"
    source.parent.mkdir()
    source.write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [ingress, keep]}, default_style='"')
    )
    result = meshify("file", str(source), "--out-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [document] = list(yaml.safe_load_all((tmp_path / "out" / "app.yaml").read_text()))
    kinds = [item["kind"] for item in document["items"]]
    assert "ConfigMap" in kinds and "Ingress" not in kinds, kinds
    assert "VirtualService" in kinds, kinds
