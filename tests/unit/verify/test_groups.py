"""The behaviour check in chunks of host groups (verify/groups.py) finds what one check of everything finds.

Each chunk's models hold only the Ingresses and emitted objects its requests can reach; if the grouping
left out anything that shapes a request, that request would be routed differently in its chunk and the
results below would differ. One Ingress per chunk is the finest split the check can make; the inputs
are every golden case, and all of them in one run (catch-alls, wildcards, canaries, aliases, mixed
controllers and duplicate names of one case then meet the hosts of every other).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubectl_meshify.options import Options
from kubectl_meshify.pipeline import migrate
from kubectl_meshify.result import MigrationResult
from kubectl_meshify.sources.files import read_resources
from kubectl_meshify.verify.attach import attach_verification

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/*/input.yaml"))


def checked(paths: list[str], chunk_ingresses: int) -> tuple[MigrationResult, dict[str, Any]]:
    resources, _ = read_resources(paths)
    result = migrate(resources, Options(verify=False))
    verification = attach_verification(result, chunk_ingresses=chunk_ingresses)
    seen = {
        "ingresses": {key: v.to_json() for key, v in verification.ingresses.items()},
        "order": list(verification.ingresses),
        "config_errors": verification.config_errors,
        "records": [(r.key, r.status.value, [f.code for f in r.findings]) for r in result.records],
    }
    return result, seen


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_one_ingress_per_chunk_finds_what_one_chunk_finds(case: Path) -> None:
    path = [str(case / "input.yaml")]
    _, whole = checked(path, chunk_ingresses=0)
    _, chunked = checked(path, chunk_ingresses=1)
    assert chunked == whole


def test_every_golden_input_in_one_run() -> None:
    paths = [str(case / "input.yaml") for case in CASES]
    result, whole = checked(paths, chunk_ingresses=0)
    assert len(result.records) > 200  # the cases' Ingresses, all of them probed together
    assert sum(len(v["different"]) for v in whole["ingresses"].values()) > 0
    for size in (1, 7):
        _, chunked = checked(paths, chunk_ingresses=size)
        assert chunked == whole, size


def test_a_missing_ingress_changes_the_outcome() -> None:
    """The comparison above can fail: a chunk that lacks the catch-all Ingress routes the requests of
    unnamed hosts differently (the catch-all case's default backend answers them in ingress-nginx)."""
    case = next(c for c in CASES if "default" in c.name and "backend" in c.name)
    path = [str(case / "input.yaml")]
    _, whole = checked(path, chunk_ingresses=0)
    from kubectl_meshify.verify import groups

    original = groups.HostGroups.model_inputs

    def without_catch_alls(self: groups.HostGroups, chunk: set[int]) -> Any:
        nginx, istio, objects = original(self, chunk)
        return [d for d in nginx if d.default_backend() is None], istio, objects

    groups.HostGroups.model_inputs = without_catch_alls  # type: ignore[method-assign]
    try:
        _, broken = checked(path, chunk_ingresses=1)
    finally:
        groups.HostGroups.model_inputs = original  # type: ignore[method-assign]
    assert broken != whole


# A catch-all and a TLS host that share a Service: the host's group is in every chunk, and the HTTPS
# server naming it must stay in every chunk's Gateway (its requests are routed in the first chunk).
SHARED_WITH_CATCH_ALL = """
apiVersion: v1
kind: Service
metadata: {name: landing, namespace: web}
spec: {ports: [{name: http, port: 80}], selector: {app: landing}}
---
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: web}
spec: {ports: [{name: http, port: 80}], selector: {app: shop}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other, namespace: web}
spec:
  ingressClassName: nginx
  tls: [{hosts: [other.example.com], secretName: other-tls}]
  rules:
    - host: other.example.com
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catch-all, namespace: web}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: landing, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: landing, namespace: web}
spec:
  ingressClassName: nginx
  tls: [{hosts: [landing.example.com], secretName: landing-tls}]
  rules:
    - host: landing.example.com
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: landing, port: {number: 80}}}}]}
"""


def test_a_host_tied_to_every_chunk_keeps_its_gateway_server(tmp_path: Path) -> None:
    path = tmp_path / "input.yaml"
    path.write_text(SHARED_WITH_CATCH_ALL)
    result, whole = checked([str(path)], chunk_ingresses=0)
    landing = whole["ingresses"]["web/landing"]
    assert landing["probes"] > 0 and landing["different"] == []  # routed the same before and after
    assert any(k.startswith("https") for k in _requests(result, "web/landing"))
    _, chunked = checked([str(path)], chunk_ingresses=1)
    assert chunked == whole


def _requests(result: MigrationResult, key: str) -> list[str]:
    from kubectl_meshify.verify.ingress import ingress_doc
    from kubectl_meshify.verify.probes import build_context, ingress_probes

    docs = [ingress_doc(r.obj) for r in result.records]
    context = build_context(docs, "nginx.ingress.kubernetes.io/")
    doc = next(d for d in docs if d.key == key)
    return [
        f"{p.scheme}://{p.host}{p.path}" for p in ingress_probes(doc, context, "nginx.ingress.kubernetes.io/")
    ]
