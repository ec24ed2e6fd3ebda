"""Cluster mode reads the kubeconfig: no output option may write over it (tests/test_collisions.py has file mode)."""

from __future__ import annotations

from pathlib import Path

from clusterdata import shop
from fakeapi.control import FakeApi

from tests.cluster.test_cluster_cli import meshify


def test_no_output_writes_over_the_kubeconfig(fake: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    shop(fake, "shop")
    before = kubeconfig.read_bytes()
    for option in ("--report", "--report-json"):
        result = meshify(
            "ns", "shop", "--kubeconfig", str(kubeconfig), option, str(kubeconfig), home=tmp_path
        )
        assert result.returncode == 2, result.stderr
        assert str(kubeconfig) in result.stderr and "read as an input" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        assert kubeconfig.read_bytes() == before
    # An out-dir holding the kubeconfig under the name of a namespace file: refused, nothing written.
    out = tmp_path / "out"
    out.mkdir()
    (out / "shop.yaml").symlink_to(kubeconfig)
    result = meshify(
        "ns", "shop", "--kubeconfig", str(out / "shop.yaml"), "--out-dir", str(out), home=tmp_path
    )
    assert result.returncode == 2 and "read as an input" in result.stderr, result.stderr
    assert kubeconfig.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["shop.yaml"]
