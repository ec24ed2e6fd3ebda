"""Istio's own Ingress-conversion fixtures (tests/data/istio-ingress): the source model for
`istio`-class Ingresses rebuilds istiod's output exactly, and the Istio model routes the golden
objects as istio-semantics.md §2 says (expectations derived by hand from the golden files)."""

from __future__ import annotations

import pytest

from kubectl_meshify.verify import VerifyOptions, verify
from kubectl_meshify.verify.ingress import ingress_doc
from kubectl_meshify.verify.istio_ingress_model import convert
from kubectl_meshify.verify.request import ServiceIndex
from tests.conftest import DATA
from tests.unit.verify.helpers import docs, istio, route

PILOT = ("simple", "tls", "overlay", "tls-no-secret")


def fixture(*parts: str) -> str:
    return DATA.joinpath("istio-ingress", *parts).read_text()


@pytest.mark.parametrize("name", PILOT)
def test_conversion_reproduces_istiod_goldens(name: str) -> None:
    ingresses = [ingress_doc(d) for d in docs(fixture("pilot-ingress", f"{name}.yaml"))]
    produced = convert(ingresses, ServiceIndex(), "mydomain")
    golden = docs(fixture("pilot-ingress", f"{name}.yaml.golden"))

    def key(obj: dict[str, object]) -> tuple[str, str]:
        return str(obj["kind"]), str(obj["metadata"]["name"])  # type: ignore[index]

    assert sorted(produced, key=key) == sorted(golden, key=key)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sub/path/", "ns/service1:4202 /sub/path/"),  # first of two identical exact routes
        # Prefix /sub/path/ (4 + 6 characters) sorts before Exact /sub/path: quirk Q4.
        ("/sub/path", "ns/service1:4209 /sub/path"),
        ("/sub/path/x", "ns/service1:4209 /sub/path/x"),
        ("/sub/pathx", "404"),
        ("/regex2*", "ns/service1:4204 /regex2*"),  # other regex-looking paths are literal
        ("/regex2", "404"),
        ("/regex1", "ns/service1:4203 /regex1"),  # `.*` suffix: a path-separated prefix
        ("/regex1/a", "ns/service1:4203 /regex1/a"),
        ("/regex1a", "404"),
        ("/regex3", "ns/service1:4205 /regex3"),  # `/*` suffix: also matches the bare path
        ("/path", "ns/service1:4200 /path"),
        ("/path/", "404"),
    ],
)
def test_simple_golden_routing(path: str, expected: str) -> None:
    model = istio(fixture("pilot-ingress", "simple.yaml.golden"), cluster_domain="mydomain")
    assert route(model, f"http://foohost.bar.com{path}") == expected
    assert route(model, f"https://foohost.bar.com{path}") == "refused"  # no TLS in this fixture


def test_tls_and_overlay_golden_routing() -> None:
    tls = istio(fixture("pilot-ingress", "tls.yaml.golden"), cluster_domain="mydomain")
    assert route(tls, "http://foo.org/any") == "bar/httpbin:80 /any"
    assert route(tls, "https://foo.org/any") == "bar/httpbin:80 /any"  # no redirect: quirk Q2
    no_secret = istio(fixture("pilot-ingress", "tls-no-secret.yaml.golden"), cluster_domain="mydomain")
    assert route(no_secret, "https://foo.org/any") == "refused"
    overlay = istio(fixture("pilot-ingress", "overlay.yaml.golden"), cluster_domain="mydomain")
    assert route(overlay, "http://foohost.bar.com/second") == "ns/service2:4200 /second"
    assert route(overlay, "http://foohost.bar.com/second/x") == "ns/service1:4200 /second/x"
    assert route(overlay, "http://other.bar.com/") == "404"


def test_regex_era_golden_routing() -> None:
    """Istio 1.12-1.13 wrote Prefix as `regex: <path>((\\/).*)?` and plain `prefix` elsewhere."""
    model = istio(fixture("history-1.13-ingressv1", "simple.yaml.golden"), cluster_domain="mydomain")
    assert route(model, "http://foohost.bar.com/sub/path") == "ns/service1:4201 /sub/path"
    assert route(model, "http://foohost.bar.com/sub/path/x") == "ns/service1:4208 /sub/path/x"
    assert route(model, "http://foohost.bar.com/sub/pathx") == "404"
    assert route(model, "http://foohost.bar.com/regex1x") == "ns/service1:4203 /regex1x"  # string prefix


def test_istioctl_named_port_golden_routing() -> None:
    model = istio(fixture("istioctl-convert-ingress", "named-port-gateway.yaml.golden"))
    assert route(model, "http://any.example.com/x") == "mock-ns/my-service:1234 /x"


@pytest.mark.parametrize("name", PILOT)
def test_istio_class_source_and_istiod_output_agree_on_every_probe(name: str) -> None:
    ingresses = docs(fixture("pilot-ingress", f"{name}.yaml"))
    golden = docs(fixture("pilot-ingress", f"{name}.yaml.golden"))
    semantics = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": "istio" for d in ingresses}
    result = verify(ingresses, [], golden, VerifyOptions(cluster_domain="mydomain", semantics=semantics))
    totals = result.totals()
    assert totals["probes"] >= 4
    assert totals["different"] == 0, [d.to_json() for v in result.ingresses.values() for d in v.different]
