"""The secret copy command: its text, and its middle stage run by the real kubectl on `kubectl get -o yaml`
output, offline (KUBECONFIG points nowhere, so nothing can reach a cluster)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kubectl_meshify.tls.copy_command import copy_command

# What `kubectl get secret shop-tls -n shop -o yaml` prints for a cert-manager secret (data shortened).
SECRET_YAML = """\
apiVersion: v1
data:
  ca.crt: ""
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENDQVRlZ0F3SUJBZ0lVZkFLRQo=
  tls.key: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUZBS0UKLS0tLS0=
immutable: false
kind: Secret
metadata:
  annotations:
    cert-manager.io/alt-names: shop.example.com,www.shop.example.com
    cert-manager.io/certificate-name: shop-tls
    cert-manager.io/common-name: shop.example.com
    cert-manager.io/issuer-kind: ClusterIssuer
    cert-manager.io/issuer-name: letsencrypt
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"tls.crt":"LS0t","tls.key":"LS0t"},"kind":"Secret","metadata":{"annotations":{},"name":"shop-tls","namespace":"shop"},"type":"kubernetes.io/tls"}
  creationTimestamp: "2025-11-02T09:14:27Z"
  labels:
    controller.cert-manager.io/fao: "true"
  managedFields:
  - apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1:
      f:data:
        .: {}
        f:tls.crt: {}
    manager: cert-manager-certificates-issuing
    operation: Apply
    time: "2025-11-02T09:14:27Z"
  name: shop-tls
  namespace: shop
  ownerReferences:
  - apiVersion: cert-manager.io/v1
    blockOwnerDeletion: true
    controller: true
    kind: Certificate
    name: shop-tls
    uid: 3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f
  resourceVersion: "918273"
  uid: 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d
type: kubernetes.io/tls
"""


def stages(command: str) -> list[list[str]]:
    """The command's pipeline stages as argv lists, as a POSIX shell splits them."""
    words = shlex.split(command)
    out: list[list[str]] = [[]]
    for word in words:
        if word == "|":
            out.append([])
        else:
            out[-1].append(word)
    return out


def test_command_reads_the_secret_and_applies_the_copy() -> None:
    command = copy_command("secret", "shop", "shop-tls", "istio-system", "shop-shop-tls")
    get, patch, apply = stages(command)
    assert get == ["kubectl", "get", "secret", "shop-tls", "-n", "shop", "-o", "yaml"]
    assert patch[:4] == ["kubectl", "patch", "--local", "-f"] and "--type" in patch
    assert apply == ["kubectl", "apply", "--server-side", "--field-manager=kubectl-meshify", "-f", "-"]
    assert "sed" not in command and "yq" not in command


def run_patch_stage(command: str, document: str, tmp_path: Path) -> dict[str, object]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    _, patch, _ = stages(command)
    env = dict(os.environ, KUBECONFIG=str(tmp_path / "no-such-kubeconfig"), HOME=str(tmp_path))
    result = subprocess.run(
        [kubectl, *patch[1:]], input=document, capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    copied = yaml.safe_load(result.stdout)
    assert isinstance(copied, dict)
    return copied


def test_patch_stage_rewrites_metadata_and_keeps_the_data(tmp_path: Path) -> None:
    command = copy_command("secret", "shop", "shop-tls", "istio-system", "shop-shop-tls")
    copied = run_patch_stage(command, SECRET_YAML, tmp_path)
    original = yaml.safe_load(SECRET_YAML)
    assert copied["metadata"] == {
        "name": "shop-shop-tls",
        "namespace": "istio-system",
        "labels": {"app.kubernetes.io/managed-by": "kubectl-meshify"},
        "annotations": {"kubectl-meshify/copied-from": "shop/shop-tls"},
    }
    for key in ("apiVersion", "kind", "type", "data", "immutable"):
        assert copied[key] == original[key], key


def test_patch_stage_copies_an_issuer(tmp_path: Path) -> None:
    issuer = """\
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  creationTimestamp: "2025-01-01T00:00:00Z"
  generation: 3
  name: internal-ca
  namespace: billing
  resourceVersion: "1234"
  uid: 0b5a7c1e-1111-4222-8333-944455556666
spec:
  ca:
    secretName: internal-ca-key
status:
  conditions:
  - lastTransitionTime: "2025-01-01T00:00:10Z"
    message: Signing CA verified
    reason: KeyPairVerified
    status: "True"
    type: Ready
"""
    command = copy_command("issuer", "billing", "internal-ca", "istio-system", "internal-ca")
    copied = run_patch_stage(command, issuer, tmp_path)
    assert copied["metadata"]["namespace"] == "istio-system"
    assert copied["metadata"]["name"] == "internal-ca"
    assert "uid" not in copied["metadata"] and "resourceVersion" not in copied["metadata"]
    assert copied["spec"] == {"ca": {"secretName": "internal-ca-key"}}
