"""Ingresses that admission refuses fail with a finding naming the field (exit 1); the rest still convert.

Expected outcomes come from upstream:
- kubernetes pkg/apis/networking/validation/validation.go, `validateIngressRules` (rule hosts:
  `IsDNS1123Subdomain`, `IsWildcardDNS1123Subdomain`, "must be a DNS name, not an IP address"),
  `validateIngressTLS` (TLS hosts) and `validateHTTPIngressPath` ("must be an absolute path" for Exact and
  Prefix, also when empty; `invalidPathSequences` `//`, `/./`, `/../`, `%2f`, `%2F`; `invalidPathSuffixes`
  `/..`, `/.`; ImplementationSpecific absolute when set). The wildcard examples are those of
  apimachinery's validation.go comment on `wildcardDNS1123SubdomainFmt` (valid `*.bar.com`,
  `*.foo.bar.com`; invalid `*.*.bar.com`, `*.foo.*.com`, `*bar.com`, `f*.bar.com`, `*`).
- ingress-nginx internal/ingress/inspector/inspector_test.go `TestValidatePathType` (valid Prefix
  `/xpto/ab0/x_ss-9`, Exact `/bla/`, ImplementationSpecific `/foo.+`; refused Exact `/foo.+`, Prefix
  `/foo/bar/[a-z]{3}`, Prefix `/lala/xp\\ntest`), applied by `CheckIngress` (controller.go) when
  `StrictValidatePathType` is on (its default in config.go `NewDefault`), for ingress-nginx's class only.
- Istio pkg/config/validation/agent/validation.go `ValidateWildcardDomain` (labels at most 63 characters,
  the top-level label not all-numeric), which the API server's subdomain check does not enforce.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_cli import meshify


def ingress(name: str, host: str | None = "ok.example.com", **path: Any) -> dict[str, Any]:
    entry = {"path": "/", "pathType": "Prefix", **path}
    entry["backend"] = {"service": {"name": "web", "port": {"number": 80}}}
    entry = {k: v for k, v in entry.items() if v is not None}
    rule: dict[str, Any] = {"http": {"paths": [entry]}}
    if host is not None:
        rule["host"] = host
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"ingressClassName": "nginx", "rules": [rule]},
    }


# name → (host, path fields, field the finding names, or None when the Ingress converts)
CASES: dict[str, tuple[str | None, dict[str, Any], str | None]] = {
    # rule hosts: the API server
    "upper": ("Web.Example.com", {}, "spec.rules[0].host"),
    "space": ("web example.com", {}, "spec.rules[0].host"),
    "trailing-dot": ("web.example.com.", {}, "spec.rules[0].host"),
    "unicode": ("bücher.example.com", {}, "spec.rules[0].host"),
    "ip": ("10.0.0.1", {}, "spec.rules[0].host"),
    "lone-star": ("*", {}, "spec.rules[0].host"),
    "two-stars": ("*.*.bar.com", {}, "spec.rules[0].host"),
    "inner-star": ("*.foo.*.com", {}, "spec.rules[0].host"),
    "star-glued": ("*bar.com", {}, "spec.rules[0].host"),
    "star-in-label": ("f*.bar.com", {}, "spec.rules[0].host"),
    "placeholder": ("registry.<your domain>", {}, "spec.rules[0].host"),
    "template-host": ("__HOST__", {}, "spec.rules[0].host"),
    # rule hosts: accepted by the API server, refused by Istio's ValidateWildcardDomain
    "long-label": ("a" * 64 + ".example.com", {}, "spec.rules[0].host"),
    "numeric-tld": ("web.example.123", {}, "spec.rules[0].host"),
    # accepted hosts
    "wildcard": ("*.bar.com", {}, None),
    "deep-wildcard": ("*.foo.bar.com", {}, None),
    "punycode": ("xn--bcher-kva.example.com", {}, None),
    "no-host": (None, {}, None),
    # paths: the API server
    "empty-prefix": ("p1.example.com", {"path": ""}, "spec.rules[0].http.paths[0].path"),
    "empty-exact": (
        "p2.example.com",
        {"path": None, "pathType": "Exact"},
        "spec.rules[0].http.paths[0].path",
    ),
    "relative": (
        "p3.example.com",
        {"path": "xpto/lala", "pathType": "Exact"},
        "spec.rules[0].http.paths[0].path",
    ),
    "double-slash": ("p4.example.com", {"path": "/a//b"}, "spec.rules[0].http.paths[0].path"),
    "encoded-slash": ("p5.example.com", {"path": "/a%2Fb"}, "spec.rules[0].http.paths[0].path"),
    "dot-dot": ("p6.example.com", {"path": "/a/.."}, "spec.rules[0].http.paths[0].path"),
    "impl-relative": (
        "p7.example.com",
        {"path": "api", "pathType": "ImplementationSpecific"},
        "spec.rules[0].http.paths[0].path",
    ),
    # paths: ingress-nginx's admission webhook (TestValidatePathType)
    "nginx-exact-regex": (
        "n1.example.com",
        {"path": "/foo.+", "pathType": "Exact"},
        "spec.rules[0].http.paths[0].path",
    ),
    "nginx-prefix-class": (
        "n2.example.com",
        {"path": "/foo/bar/[a-z]{3}"},
        "spec.rules[0].http.paths[0].path",
    ),
    "nginx-newline": ("n3.example.com", {"path": "/lala/xp\ntest"}, "spec.rules[0].http.paths[0].path"),
    # pathType: validateHTTPIngressPath, "pathType must be specified" (networking.k8s.io/v1 has no default)
    "no-path-type": ("p8.example.com", {"pathType": None}, "spec.rules[0].http.paths[0].pathType"),
    # accepted paths
    "nginx-valid-prefix": ("v1.example.com", {"path": "/xpto/ab0/x_ss-9"}, None),
    "nginx-valid-exact": ("v2.example.com", {"path": "/bla/", "pathType": "Exact"}, None),
    "impl-regex": ("v3.example.com", {"path": "/foo.+", "pathType": "ImplementationSpecific"}, None),
    "impl-empty": ("v4.example.com", {"path": None, "pathType": "ImplementationSpecific"}, None),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("admission")
    docs = [ingress(name, host, **fields) for name, (host, fields, _) in CASES.items()]
    path = tmp / "ingresses.yaml"
    path.write_text(yaml.safe_dump_all(docs, allow_unicode=True))
    result = meshify("file", str(path), "--no-verify", "--report-json", str(tmp / "r.json"))
    assert result.returncode == 1, result.stderr  # an Ingress failed
    assert "Traceback" not in result.stderr
    data: dict[str, Any] = json.loads((tmp / "r.json").read_text())
    data["stdout"] = result.stdout
    return data


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_ingress_fails_naming_the_field(report: dict[str, Any], name: str) -> None:
    record = next(i for i in report["ingresses"] if i["name"] == name)
    field = CASES[name][2]
    invalid = [f for f in record["findings"] if f["code"] == "INGRESS_INVALID"]
    if field is None:
        assert record["status"] == "converted", record["findings"]
        assert invalid == []
        return
    assert record["status"] == "failed"
    assert len(invalid) == 1 and invalid[0]["severity"] == "error"
    assert f"Ingress shop/{name}: {field} " in invalid[0]["message"], invalid[0]["message"]
    assert record["resources"] == []


def test_no_route_is_emitted_for_a_refused_host(report: dict[str, Any]) -> None:
    hosts = {h for d in yaml.safe_load_all(report["stdout"]) if d for h in d["spec"].get("hosts", [])}
    refused = {CASES[n][0] for n, case in CASES.items() if case[2] == "spec.rules[0].host"} - {"*"}
    assert hosts and not hosts & refused


def test_reasons_say_what_to_write_instead(report: dict[str, Any]) -> None:
    def message(name: str) -> str:
        record = next(i for i in report["ingresses"] if i["name"] == name)
        return next(f["message"] for f in record["findings"] if f["code"] == "INGRESS_INVALID")

    assert "'web.example.com'" in message("upper")
    assert "xn--bcher-kva.example.com" in message("unicode")  # Python's IDNA codec, as `idn` writes it
    assert "placeholder '<your domain>'" in message("placeholder")
    assert "placeholder '__HOST__'" in message("template-host")
    assert "Istio" in message("numeric-tld") and "Istio" in message("long-label")
    assert "strict-validate-path-type" in message("nginx-exact-regex")


def test_istio_class_paths_skip_the_nginx_webhook(tmp_path: Path) -> None:
    """ingress-nginx's CheckIngress ignores other classes: a Prefix path with regex characters is valid for
    the API server (only `invalidPathSequences` and the leading `/` are checked), so it converts."""
    doc = ingress("istio-path", "i.example.com", path="/foo.+")
    doc["spec"]["ingressClassName"] = "istio"
    path = tmp_path / "i.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = meshify("file", str(path), "--no-verify")
    assert result.returncode == 0, result.stderr


def test_tls_host_refused_names_its_field(tmp_path: Path) -> None:
    doc = ingress("tls", "web.example.com")
    doc["spec"]["tls"] = [{"hosts": ["web.example.com", "Web.Example.com"], "secretName": "web-tls"}]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = meshify("file", str(path), "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 1 and result.stdout == ""
    finding = json.loads((tmp_path / "r.json").read_text())["ingresses"][0]["findings"][0]
    assert "spec.tls[0].hosts[1] 'Web.Example.com' has uppercase letters" in finding["message"]


def test_v1beta1_without_path_type_converts(tmp_path: Path) -> None:
    """networking.k8s.io/v1beta1 defaulted a missing pathType to ImplementationSpecific
    (`SetDefaults_HTTPIngressPath`, pkg/apis/networking/v1beta1/defaults.go), so such an Ingress was served."""
    doc = {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "Ingress",
        "metadata": {
            "name": "old",
            "namespace": "shop",
            "annotations": {"kubernetes.io/ingress.class": "nginx"},
        },
        "spec": {
            "rules": [
                {
                    "host": "old.example.com",
                    "http": {"paths": [{"path": "/", "backend": {"serviceName": "web", "servicePort": 80}}]},
                }
            ]
        },
    }
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = meshify("file", str(path), "--no-verify", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "r.json").read_text())["ingresses"][0]
    assert record["status"] == "converted", record["findings"]
