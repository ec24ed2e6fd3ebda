"""The schema validator the suite uses (tests/crd_schemas.py) refuses what the API server refuses.

Expectations come from the vendored CRDs themselves (tests/data/crds; Istio 1.30.3 and cert-manager v1.21.1)
and from Kubernetes' rules for custom resources: structural schemas reject undeclared fields unless
`x-kubernetes-preserve-unknown-fields` is set (apiextensions-apiserver, pkg/apiserver/schema/pruning), and
kubectl's default `--validate=strict` turns those into errors; object names are DNS-1123 subdomains.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests import crd_schemas
from tests.conftest import DATA


def virtual_service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"hosts": ["shop.example.com"], **spec},
    }


def errors(obj: dict[str, Any]) -> list[str]:
    return crd_schemas.validate(obj, crd_schemas.vendored())


def route(**fields: Any) -> dict[str, Any]:
    return {"route": [{"destination": {"host": "web"}}], **fields}


def test_a_valid_virtual_service_passes() -> None:
    assert errors(virtual_service(http=[route(timeout="1.5s")])) == []


def test_unknown_spec_fields_are_refused_at_every_depth() -> None:
    assert errors(virtual_service(colour="blue")) == [
        "spec: Additional properties are not allowed ('colour' was unexpected)"
    ]
    nested = virtual_service(http=[{"route": [{"destination": {"host": "web", "prot": {"number": 80}}}]}])
    assert errors(nested) == [
        "spec.http[0].route[0].destination: Additional properties are not allowed ('prot' was unexpected)"
    ]


def test_preserve_unknown_fields_admits_anything() -> None:
    # Every Istio kind's `status` is x-kubernetes-preserve-unknown-fields: true in the CRD.
    schema = crd_schemas.vendored()[("networking.istio.io", "v1", "VirtualService")]
    assert schema["properties"]["status"].get("additionalProperties") is None
    converted = crd_schemas.to_json_schema(
        {
            "type": "object",
            "properties": {
                "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "closed": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        }
    )
    assert converted["additionalProperties"] is False
    assert "additionalProperties" not in converted["properties"]["open"]
    assert converted["properties"]["closed"]["additionalProperties"] is False


def test_one_of_branches_do_not_close_objects() -> None:
    converted = crd_schemas.to_json_schema(
        {"type": "object", "properties": {"a": {}, "b": {}}, "oneOf": [{"properties": {"a": {}}}]}
    )
    assert "additionalProperties" not in converted["oneOf"][0]


def test_int_or_string_and_nullable() -> None:
    assert crd_schemas.to_json_schema({"x-kubernetes-int-or-string": True})["type"] == ["integer", "string"]
    assert crd_schemas.to_json_schema({"type": "string", "nullable": True})["type"] == ["string", "null"]
    # Gateway server port numbers are plain integers in Istio's schema: a string is refused.
    gateway = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "gw"},
        "spec": {"servers": [{"port": {"number": "80", "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]},
    }
    assert errors(gateway) == ["spec.servers[0].port.number: '80' is not of type 'integer'"]


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        ("1ms", []),
        ("1h2m3.5s", []),
        ("1000us", []),
        ("999us", ["spec.http[0].timeout: '999us' is below the 1ms minimum"]),
        ("0s", ["spec.http[0].timeout: '0s' is below the 1ms minimum"]),
        ("10", ["spec.http[0].timeout: '10' is not a duration"]),
        ("5 s", ["spec.http[0].timeout: '5 s' is not a duration"]),
    ],
)
def test_the_duration_rule(timeout: str, expected: list[str]) -> None:
    """Istio's CRD puts `duration(self) >= duration('1ms')` on HTTPRoute.timeout."""
    schema = crd_schemas.vendored()[("networking.istio.io", "v1", "VirtualService")]
    timeout_schema = schema["properties"]["spec"]["properties"]["http"]["items"]["properties"]["timeout"]
    assert crd_schemas.DURATION_RULE in timeout_schema["x-cel"]
    assert errors(virtual_service(http=[route(timeout=timeout)])) == expected


def test_names_versions_and_top_level_fields() -> None:
    bad_name = virtual_service()
    bad_name["metadata"] = {"name": "Web_1", "namespace": "Shop", "labelz": {}}
    assert errors(bad_name) == [
        "metadata.name 'Web_1' is not a valid DNS-1123 subdomain",
        "metadata.namespace 'Shop' is not a valid DNS-1123 label",
        "metadata: unknown fields ['labelz']",
    ]
    assert errors({**virtual_service(), "data": {}}) == ["unknown top-level fields ['data']"]
    unserved = {**virtual_service(), "apiVersion": "networking.istio.io/v2"}
    assert errors(unserved) == [
        "networking.istio.io/v2 VirtualService is not served by the vendored CRDs"
        " (served versions: ['v1', 'v1alpha3', 'v1beta1'])"
    ]


def test_cert_manager_certificate() -> None:
    certificate = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web-tls", "namespace": "istio-system"},
        "spec": {"secretName": "web-tls", "dnsNames": ["shop.example.com"], "issuerRef": {"name": "le"}},
    }
    assert errors(certificate) == []
    certificate["spec"]["issuer"] = "le"
    assert errors(certificate) == ["spec: Additional properties are not allowed ('issuer' was unexpected)"]


def git_blob(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.mark.parametrize("readme", ["crds/README.md", "istio-ingress/README.md"])
def test_vendored_files_are_the_upstream_blobs_the_readme_names(readme: str) -> None:
    """Each vendored file is byte-for-byte the upstream git blob its README cites, next to a licence."""
    folder = (DATA / readme).parent
    text = (DATA / readme).read_text()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in ("README.md", "LICENSE"))
    assert files
    for path in files:
        assert (path.parent / "LICENSE").exists() or (folder / "LICENSE").exists(), path
        prefixes = re.findall(r"`([0-9a-f]{8})…`", text)
        assert git_blob(path)[:8] in prefixes, f"{path.relative_to(DATA)} is not a blob cited in {readme}"


def test_help_texts_name_no_file_the_user_lacks() -> None:
    """An installed plugin has neither the design notes nor ../shared; its help must not send users there."""
    for command in ([], ["file"], ["ns"], ["all"], ["version"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for absent in ("CLI.md", "ARCHITECTURE.md", "shared/", "../"):
            assert absent not in result.output, (command, absent)
