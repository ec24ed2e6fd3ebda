"""On a canary Ingress, ingress-nginx reads only the keys that configure the canary's own backend; with
ssl-passthrough it reads none."""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext
from kubectl_meshify.annotations.ingress_nginx import affinity, cors, timeouts
from kubectl_meshify.findings import Verdict
from kubectl_meshify.model import IngressRecord, MeshModel, Semantics
from kubectl_meshify.options import Options
from kubectl_meshify.resources import KubeObject, Origin, ResourceSet

PREFIX = "nginx.ingress.kubernetes.io/"


def canary_context(annotations: dict[str, str], passthrough: bool = False) -> FamilyContext:
    body = {
        "metadata": {
            "name": "web-canary",
            "namespace": "shop",
            "annotations": {PREFIX + "canary": "true", **{PREFIX + k: v for k, v in annotations.items()}},
        },
        "spec": {
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web-v2", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }
    record = IngressRecord(KubeObject(body, Origin("canary.yaml")), Semantics.NGINX)
    record.settings.canary = not passthrough
    record.settings.passthrough = passthrough
    model = MeshModel()
    model.records[record.key] = record
    return FamilyContext(record, model, ResourceSet(), Options(), PREFIX)


def verdicts(ctx: FamilyContext) -> dict[str, Verdict | None]:
    return {f.annotation.removeprefix(PREFIX): f.verdict for f in ctx.record.findings if f.annotation}


def test_location_settings_on_a_canary_are_ignored() -> None:
    ctx = canary_context(
        {"proxy-read-timeout": "30", "enable-cors": "true", "cors-allow-origin": "https://a.com"}
    )
    timeouts.refine(ctx)
    cors.refine(ctx)
    assert verdicts(ctx) == {
        "proxy-read-timeout": Verdict.NO_OP,
        "enable-cors": Verdict.NO_OP,
        "cors-allow-origin": Verdict.NO_OP,
    }
    assert all("canary" in f.message for f in ctx.record.findings)
    assert ctx.model.policies == []


def test_backend_settings_on_a_canary_configure_the_canary_service() -> None:
    ctx = canary_context({"load-balance": "round_robin", "proxy-connect-timeout": "3"})
    affinity.refine(ctx)
    timeouts.refine(ctx)
    assert verdicts(ctx) == {"load-balance": Verdict.EXACT, "proxy-connect-timeout": Verdict.NO_OP}
    (policy,) = ctx.model.policies
    assert policy.host == "web-v2.shop.svc.cluster.local"
    assert policy.namespace == "istio-system"
    assert policy.workload_selector == {"istio": "ingressgateway"}
    assert policy.traffic_policy == {
        "portLevelSettings": [{"port": {"number": 80}, "loadBalancer": {"simple": "ROUND_ROBIN"}}]
    }


def test_nothing_is_read_on_a_passthrough_ingress() -> None:
    ctx = canary_context({"load-balance": "ewma", "proxy-read-timeout": "30"}, passthrough=True)
    affinity.refine(ctx)
    timeouts.refine(ctx)
    assert verdicts(ctx) == {"load-balance": Verdict.NO_OP, "proxy-read-timeout": Verdict.NO_OP}
    assert all("ssl-passthrough" in f.message for f in ctx.record.findings)
    assert ctx.model.policies == []
