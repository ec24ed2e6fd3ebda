"""ingress-nginx's own end-to-end expectations (kubernetes/ingress-nginx test/e2e/, controller v1.15)
for hosts, certificates and HTTPS redirects, transcribed as nginx-model tests. Each case names its
file and ginkgo `It`; the Ingress is what the test's framework helper builds
(test/e2e/framework/framework.go: `NewSingleIngressWithTLS` sets `tls: [{hosts, secretName: <host>}]`,
`NewSingleCatchAllIngress` only `spec.defaultBackend`), the echo Service standing for its backend."""

from __future__ import annotations

import pytest

from tests.unit.verify.helpers import nginx, route

ECHO = "{service: {name: echo, port: {number: 80}}}"


def single(name: str, host: str, tls_hosts: str = "", annotations: str = "{}") -> str:
    """framework.NewSingleIngress / NewSingleIngressWithTLS with path `/`."""
    tls = f"tls: [{{hosts: {tls_hosts}, secretName: {host}}}]" if tls_hosts else ""
    return f"""
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: e2e, annotations: {annotations}}}
spec:
  {tls}
  rules:
  - host: {host}
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {ECHO}}}
"""


CASES = [
    # test/e2e/ssl/http_redirect.go, "should redirect from HTTP to HTTPS when secret is missing":
    # the secret named in spec.tls does not exist, the default certificate is served and HTTP redirected.
    (
        single("redirect", "redirect.com", "[redirect.com]"),
        "http://redirect.com/",
        "308 https://redirect.com",
    ),
    # test/e2e/settings/tls.go, "should not use ports during the HTTP to HTTPS redirection"
    # (host `settings-tls`: a single-label host is served and redirected like any other).
    (single("tls", "settings-tls", "[settings-tls]"), "http://settings-tls/", "308 https://settings-tls"),
    (single("tls", "settings-tls", "[settings-tls]"), "https://settings-tls/", "e2e/echo:80 /"),
    # test/e2e/annotations/forcesslredirect.go, "should redirect to https" (no spec.tls at all).
    (
        single(
            "force",
            "forcesslredirect.bar.com",
            annotations='{nginx.ingress.kubernetes.io/force-ssl-redirect: "true"}',
        ),
        "http://forcesslredirect.bar.com/",
        "308 https://forcesslredirect.bar.com",
    ),
    # test/e2e/annotations/preservetrailingslash.go, "should allow preservation of trailing slashes".
    (
        single(
            "keep",
            "forcesslredirect.bar.com",
            "[forcesslredirect.bar.com]",
            '{nginx.ingress.kubernetes.io/ssl-redirect: "true",'
            ' nginx.ingress.kubernetes.io/preserve-trailing-slash: "true"}',
        ),
        "http://forcesslredirect.bar.com/",
        "308 https://forcesslredirect.bar.com/",
    ),
    # test/e2e/settings/default_ssl_certificate.go, "uses default ssl certificate for host based ingress
    # when configured certificate does not match host" (host `foo`): HTTPS is served (by the default one).
    (single("foo", "foo", "[foo]"), "https://foo/", "e2e/echo:80 /"),
    # ... "uses default ssl certificate for catch-all ingress": the catch-all answers HTTPS.
    (
        f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: catch-all, namespace: e2e}}
spec: {{defaultBackend: {ECHO}}}
""",
        "https://any.example.com/",
        "e2e/echo:80 /",
    ),
    # test/e2e/defaultbackend/ssl.go, "should return a self generated SSL certificate": without any
    # Ingress the catch-all server answers HTTPS for foo.bar.com with the default backend (404).
    (single("unrelated", "unrelated.example.com"), "https://foo.bar.com/", "404"),
]

# test/e2e/ingress/without_host.go, "should set ingress details variables for ingresses with host
# without IngressRuleValue, only Backend": the single-label host `only-backend` answers with the
# Ingress's default backend, and nothing of it leaks into the catch-all server.
ONLY_BACKEND = f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: backend, namespace: e2e}}
spec:
  defaultBackend: {ECHO}
  rules:
  - host: only-backend
"""


def same_resource(expected: str) -> str:
    """The e2e Location `https://h` as the model writes it, `https://h/` (the same resource)."""
    code, _, location = expected.partition(" ")
    if location.count("/") == 2:
        return f"{code} {location}/"
    return expected


@pytest.mark.parametrize(("ingresses", "url", "expected"), CASES)
def test_e2e_expectations(ingresses: str, url: str, expected: str) -> None:
    assert route(nginx(ingresses), url) == same_resource(expected)


def test_e2e_single_label_host_with_only_a_default_backend() -> None:
    model = nginx(ONLY_BACKEND)
    assert route(model, "http://only-backend/") == "e2e/echo:80 /"
    assert route(model, "http://only-backend-doesnotexist/") == "404"


# Derived from the controller's source (no e2e case pins them down):
# controller.go createServers / extractTLSSecretName, lua_ingress.lua redirect_to_https,
# certificate.lua get_pem_cert_uid (exact Host, else `*.` + the Host without its first label).
SOURCE = f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: wild, namespace: e2e}}
spec:
  tls: [{{hosts: ["*.example.com"], secretName: wildcard}}]
  rules:
  - host: a.example.com
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
  - host: "*.example.com"
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: plain, namespace: e2e}}
spec:
  rules:
  - host: plain.example.com
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
  - host: plain.example.org
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: aliased
  namespace: e2e
  annotations: {{nginx.ingress.kubernetes.io/server-alias: alias.example.net}}
spec:
  tls: [{{hosts: [main.example.net], secretName: main}}]
  rules:
  - host: main.example.net
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: other, namespace: e2e}}
spec:
  tls: [{{hosts: [elsewhere.example.org], secretName: other}}]
  rules:
  - host: b.example.org
    http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: catch-all, namespace: e2e}}
spec:
  tls: [{{secretName: catch}}]
  rules:
  - http: {{paths: [{{path: /, pathType: Prefix, backend: {ECHO}}}]}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.example.com/x", "308 https://a.example.com/x"),  # the wildcard entry covers it
        ("http://one.example.com/x", "308 https://one.example.com/x"),  # the wildcard server's own
        ("http://two.labels.example.com/x", "e2e/echo:80 /x"),  # catch-all, no `*.labels.example.com`
        # No certificate of its own, but one for `*.example.com`: redirected all the same.
        ("http://plain.example.com/x", "308 https://plain.example.com/x"),
        ("http://plain.example.org/x", "e2e/echo:80 /x"),
        ("http://b.example.org/x", "308 https://b.example.org/x"),  # the default certificate
        ("http://unknown.example.net/x", "e2e/echo:80 /x"),  # hosts no rule names: never redirected
        # nginx.go configureCertificates lists an alias with its server's certificate when that names it
        # (taken to, as certificates are not read).
        ("http://alias.example.net/x", "308 https://alias.example.net/x"),
    ],
)
def test_certificates_and_redirects_follow_the_request_host(url: str, expected: str) -> None:
    assert route(nginx(SOURCE), url) == expected
