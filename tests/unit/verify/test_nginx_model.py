"""The ingress-nginx model against hand-derived expectations (from the controller's source)."""

from __future__ import annotations

import pytest

from tests.unit.verify.helpers import nginx, route

PATHS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /foo, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}
      - {path: /foo/bar/, pathType: Prefix, backend: {service: {name: bar, port: {number: 80}}}}
      - {path: /exact, pathType: Exact, backend: {service: {name: exact, port: {number: 80}}}}
      - {path: /static, pathType: ImplementationSpecific, backend: {service: {name: static, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://shop.example.com/", "shop/web:80 /"),
        ("http://shop.example.com/foo", "shop/foo:80 /foo"),
        ("http://shop.example.com/foo/", "shop/foo:80 /foo/"),
        ("http://shop.example.com/foo/x", "shop/foo:80 /foo/x"),
        ("http://shop.example.com/foozz", "shop/web:80 /foozz"),  # element-wise, not a string prefix
        ("http://shop.example.com/FOO", "shop/web:80 /FOO"),  # case-sensitive
        # Prefix /foo/bar/ gives `location /foo/bar/`: nginx answers /foo/bar with its automatic 301.
        ("http://shop.example.com/foo/bar", "301 http://shop.example.com/foo/bar/"),
        ("http://shop.example.com/foo/bar/", "shop/bar:80 /foo/bar/"),
        ("http://shop.example.com/foo/bar/baz", "shop/bar:80 /foo/bar/baz"),
        ("http://shop.example.com/exact", "shop/exact:80 /exact"),
        ("http://shop.example.com/exact/", "shop/web:80 /exact/"),
        # ImplementationSpecific is Prefix in ingress-nginx (k8s.SetDefaultNGINXPathType).
        ("http://shop.example.com/static", "shop/static:80 /static"),
        ("http://shop.example.com/static/a", "shop/static:80 /static/a"),
        ("http://shop.example.com/staticzz", "shop/web:80 /staticzz"),
        ("http://elsewhere.example.org/", "404"),
    ],
)
def test_path_types(url: str, expected: str) -> None:
    assert route(nginx(PATHS), url) == expected


MERGE = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: second, namespace: b, creationTimestamp: "2024-02-01T00:00:00Z"}
spec:
  rules:
  - host: merge.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api-b, port: {number: 80}}}}
      - {path: /api, pathType: Exact, backend: {service: {name: api-exact, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: first, namespace: a, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  rules:
  - host: merge.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api-a, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: alpha, namespace: c, creationTimestamp: "2024-03-01T00:00:00Z"}
spec:
  rules:
  - host: tie.example.com
    http:
      paths:
      - {path: /x, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: zed, namespace: c, creationTimestamp: "2024-03-01T00:00:00Z"}
spec:
  rules:
  - host: tie.example.com
    http:
      paths:
      - {path: /x, pathType: Prefix, backend: {service: {name: zed, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://merge.example.com/api", "b/api-exact:80 /api"),  # the Exact location wins
        ("http://merge.example.com/api/x", "a/api-a:80 /api/x"),  # the older Ingress keeps the path
        # Equal creation times: namespace/name descending (store.sortIngressSlice), so c/zed first.
        ("http://tie.example.com/x", "c/zed:80 /x"),
    ],
)
def test_merge_across_ingresses(url: str, expected: str) -> None:
    assert route(nginx(MERGE), url) == expected


def test_ingresses_without_timestamps_keep_the_input_order() -> None:
    undated = MERGE.replace(', creationTimestamp: "2024-03-01T00:00:00Z"', "")
    assert route(nginx(undated), "http://tie.example.com/x") == "c/alpha:80 /x"


REGEX = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: r}
spec:
  rules:
  - host: rx.example.com
    http:
      paths:
      - {path: /foo, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}
      - {path: /foo/bar, pathType: Exact, backend: {service: {name: bar, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  namespace: r
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  rules:
  - host: rx.example.com
    http:
      paths:
      - {path: "/v[0-9]+/items", pathType: ImplementationSpecific, backend: {service: {name: items, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # use-regex on one Ingress makes every location of the host `~* "^<path>"`.
        ("http://rx.example.com/FOO/BAR/x", "r/bar:80 /FOO/BAR/x"),
        ("http://rx.example.com/foobar", "r/foo:80 /foobar"),
        ("http://rx.example.com/v2/items/1", "r/items:80 /v2/items/1"),
        ("http://rx.example.com/V2/ITEMS", "r/items:80 /V2/ITEMS"),
        ("http://rx.example.com/x", "404"),
    ],
)
def test_host_wide_regex_mode(url: str, expected: str) -> None:
    assert route(nginx(REGEX), url) == expected


REWRITE = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: rw
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/x-forwarded-prefix: /api
spec:
  rules:
  - host: rw.example.com
    http:
      paths:
      - {path: "/api(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://rw.example.com/api/users", "rw/api:80 /users x-forwarded-prefix=/api"),
        ("http://rw.example.com/api", "rw/api:80 / x-forwarded-prefix=/api"),
        ("http://rw.example.com/API/Users", "rw/api:80 /Users x-forwarded-prefix=/api"),
        ("http://rw.example.com/apix", "404"),
    ],
)
def test_rewrite_target_replaces_the_whole_uri(url: str, expected: str) -> None:
    assert route(nginx(REWRITE), url) == expected


REDIRECTS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: home
  namespace: red
  annotations: {nginx.ingress.kubernetes.io/app-root: /app}
spec:
  rules:
  - host: home.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: home, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  namespace: red
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: https://new.example.com/landing
    nginx.ingress.kubernetes.io/permanent-redirect-code: "308"
spec:
  rules:
  - host: moved.example.com
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: temp
  namespace: red
  annotations:
    nginx.ingress.kubernetes.io/temporal-redirect: https://temp.example.com$request_uri
    nginx.ingress.kubernetes.io/temporal-redirect-code: "399"
    nginx.ingress.kubernetes.io/permanent-redirect: https://ignored.example.com
spec:
  rules:
  - host: temp.example.com
    http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://home.example.com/", "302 http://home.example.com/app"),
        ("https://home.example.com/", "302 https://home.example.com/app"),
        ("http://home.example.com/x", "red/home:80 /x"),
        ("http://moved.example.com/old", "308 https://new.example.com/landing"),
        # The root location of the server carries the creating Ingress's annotations too.
        ("http://moved.example.com/other", "308 https://new.example.com/landing"),
        # temporal-redirect wins over permanent-redirect; an invalid code falls back to 302.
        ("http://temp.example.com/a/b", "302 https://temp.example.com/a/b"),
    ],
)
def test_app_root_and_redirects(url: str, expected: str) -> None:
    assert route(nginx(REDIRECTS), url) == expected


TLS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: tls}
spec:
  tls: [{hosts: [secure.example.com], secretName: s}]
  rules:
  - host: secure.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: keep
  namespace: tls
  annotations: {nginx.ingress.kubernetes.io/preserve-trailing-slash: "true"}
spec:
  tls: [{hosts: [keep.example.com], secretName: k}]
  rules:
  - host: keep.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: keep, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: nope
  namespace: tls
  annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "false"}
spec:
  tls: [{hosts: [off.example.com], secretName: o}]
  rules:
  - host: off.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: nope, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: force
  namespace: tls
  annotations: {nginx.ingress.kubernetes.io/force-ssl-redirect: "true"}
spec:
  rules:
  - host: force.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: force, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nosecret, namespace: tls}
spec:
  tls: [{hosts: [nosecret.example.com]}]
  rules:
  - host: nosecret.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: plain, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://secure.example.com/docs/", "308 https://secure.example.com/docs"),  # slash stripped
        ("http://secure.example.com/", "308 https://secure.example.com/"),
        ("https://secure.example.com/docs/", "tls/web:80 /docs/"),
        ("http://keep.example.com/a/", "308 https://keep.example.com/a/"),
        ("http://off.example.com/a", "tls/nope:80 /a"),
        ("http://force.example.com/x", "308 https://force.example.com/x"),
        # The default certificate counts (test/e2e/ssl/http_redirect.go, "should redirect from
        # HTTP to HTTPS when secret is missing").
        ("http://nosecret.example.com/x", "308 https://nosecret.example.com/x"),
    ],
)
def test_https_redirects(url: str, expected: str) -> None:
    assert route(nginx(TLS), url) == expected


def test_redirect_code_comes_from_the_controller_settings() -> None:
    assert (
        route(nginx(TLS, http_redirect_code=301), "http://secure.example.com/a")
        == "301 https://secure.example.com/a"
    )
    assert route(nginx(TLS, ssl_redirect=False), "http://secure.example.com/a") == "tls/web:80 /a"


NAMES = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
  namespace: w
  annotations:
    nginx.ingress.kubernetes.io/from-to-www-redirect: "true"
    nginx.ingress.kubernetes.io/server-alias: "alias.example.com, other.example.com"
    nginx.ingress.kubernetes.io/upstream-vhost: internal.svc
spec:
  rules:
  - host: site.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tenants, namespace: w}
spec:
  rules:
  - host: "*.apps.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tenant, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.site.example.com/a/", "308 http://site.example.com/a"),
        ("http://alias.example.com/x", "w/site:80 /x host=internal.svc"),
        ("http://site.example.com/x", "w/site:80 /x host=internal.svc"),
        ("http://one.apps.example.com/", "w/tenant:80 /"),
        # buildServerName turns `*.apps.example.com` into `^[\w-]+\.apps\.example\.com$`: one label.
        ("http://two.labels.apps.example.com/", "404"),
        ("http://apps.example.com/", "404"),
    ],
)
def test_server_names(url: str, expected: str) -> None:
    assert route(nginx(NAMES), url) == expected


CANARY = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: main, namespace: c}
spec:
  rules:
  - host: canary.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: main, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /same, pathType: Exact, backend: {service: {name: main, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  namespace: c
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
    nginx.ingress.kubernetes.io/canary-by-cookie: beta
    nginx.ingress.kubernetes.io/canary-weight: "30"
spec:
  rules:
  - host: canary.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: main-v2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: main, namespace: c2}
spec:
  rules:
  - host: value.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: v1, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  namespace: c2
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Env
    nginx.ingress.kubernetes.io/canary-by-header-value: staging
    nginx.ingress.kubernetes.io/canary-weight: "50"
    nginx.ingress.kubernetes.io/canary-weight-total: "50"
spec:
  rules:
  - host: value.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: v2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: main, namespace: c3}
spec:
  rules:
  - host: pattern.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: p1, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  namespace: c3
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-User
    nginx.ingress.kubernetes.io/canary-by-header-pattern: "beta-[0-9]+"
spec:
  rules:
  - host: pattern.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: p2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: orphan
  namespace: c4
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "100"}
spec:
  rules:
  - host: orphan.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: lost, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: main, namespace: c5}
spec:
  rules:
  - host: total.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: t1, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  namespace: c5
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "50"
    nginx.ingress.kubernetes.io/canary-weight-total: "200"
spec:
  rules:
  - host: total.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: t2, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("http://canary.example.com/", {}, "c/main-v2:80*3,c/main:80*7"),
        ("http://canary.example.com/", {"x_canary": "always"}, "c/main-v2:80"),
        ("http://canary.example.com/", {"x_canary": "never"}, "c/main:80"),
        ("http://canary.example.com/", {"x_canary": "other"}, "c/main-v2:80*3,c/main:80*7"),
        ("http://canary.example.com/", {"cookie": "a=1; beta=always"}, "c/main-v2:80"),
        ("http://canary.example.com/", {"cookie": "beta=never"}, "c/main:80"),
        # The header decides before the cookie.
        ("http://canary.example.com/", {"x_canary": "never", "cookie": "beta=always"}, "c/main:80"),
        ("http://canary.example.com/api", {"x_canary": "always"}, "c/api:80"),
        # The canary hangs on the primary's upstream, so every location using it follows it.
        ("http://canary.example.com/same", {"x_canary": "always"}, "c/main-v2:80"),
        ("http://value.example.com/", {"x_env": "staging"}, "c2/v2:80"),
        # With a header value set, `always` is just another value; the weight decides (50 of 100:
        # canary-weight-total below 100 counts as 100).
        ("http://value.example.com/", {"x_env": "always"}, "c2/v1:80*1,c2/v2:80*1"),
        ("http://pattern.example.com/", {"x_user": "user-beta-7"}, "c3/p2:80"),  # unanchored match
        ("http://pattern.example.com/", {"x_user": "alpha"}, "c3/p1:80"),
        ("http://orphan.example.com/", {}, "404"),  # no primary: the canary is dropped
        ("http://total.example.com/", {}, "c5/t1:80*3,c5/t2:80*1"),
    ],
)
def test_canary(url: str, headers: dict[str, str], expected: str) -> None:
    assert route(nginx(CANARY), url, **headers).split(" /")[0] == expected


OWN_DEFAULT = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: own, namespace: d}
spec:
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - host: own.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
"""
CATCH_ALL = """
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catchall, namespace: d}
spec:
  defaultBackend: {service: {name: catch, port: {number: 80}}}
"""


def test_default_backends() -> None:
    model = nginx(OWN_DEFAULT)
    assert route(model, "http://own.example.com/x") == "d/fallback:80 /x"
    assert route(model, "http://own.example.com/api") == "d/api:80 /api"
    # An Ingress with rules does not become the catch-all (since ingress-nginx PR #8825).
    assert route(model, "http://unknown.example.org/") == "404"
    both = nginx(OWN_DEFAULT + CATCH_ALL)
    assert route(both, "http://unknown.example.org/a") == "d/catch:80 /a"
    assert route(both, "http://own.example.com/x") == "d/fallback:80 /x"


PASSTHROUGH = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tls
  namespace: p
  annotations: {nginx.ingress.kubernetes.io/ssl-passthrough: "true"}
spec:
  rules:
  - host: pass.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tls-svc, port: {number: 443}}}}
"""


def test_ssl_passthrough() -> None:
    assert route(nginx(PASSTHROUGH), "https://pass.example.com/x") == "tls p/tls-svc:443"
    assert route(nginx(PASSTHROUGH), "http://pass.example.com/x") == "p/tls-svc:443 /x"
    without_flag = nginx(PASSTHROUGH, enable_ssl_passthrough=False)
    assert route(without_flag, "https://pass.example.com/x") == "p/tls-svc:443 /x"


PREFIX_AND_PORTS = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: np}
spec: {selector: {app: web}, ports: [{name: http, port: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: np
  annotations:
    custom.io/app-root: /start
    nginx.ingress.kubernetes.io/app-root: /ignored
spec:
  rules:
  - host: np.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /grpc, pathType: Prefix, backend: {service: {name: web, port: {name: grpc}}}}
"""


def test_annotation_prefix_and_named_ports() -> None:
    model = nginx(PREFIX_AND_PORTS, annotation_prefix="custom.io/")
    assert route(model, "http://np.example.com/") == "302 http://np.example.com/start"
    assert route(model, "http://np.example.com/x") == "np/web:8080 /x"
    assert route(model, "http://np.example.com/grpc") == "503"  # no such port: no endpoints
    assert route(nginx(PREFIX_AND_PORTS), "http://np.example.com/") == "302 http://np.example.com/ignored"


UPSTREAM_OWNERS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-canary
  namespace: u
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "100"}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop-next, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: u}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
  - host: preview.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop-next, port: {number: 80}}}}
      - {path: /status, pathType: Prefix, backend: {service: {name: status, port: {number: 80}}}}
  - host: blog.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: blog, port: {number: 80}}}}
      - {path: /next, pathType: Prefix, backend: {service: {name: blog-next, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: blog-canary
  namespace: u
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "100"}
spec:
  rules:
  - host: blog.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: blog-next, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: wrong-type
  namespace: u
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "100"}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /status, pathType: Exact, backend: {service: {name: other, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback, namespace: u}
spec:
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback-canary
  namespace: u
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-by-header: X_Next}
spec:
  defaultBackend: {service: {name: fallback-next, port: {number: 80}}}
"""


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("http://shop.example.com/", {}, "u/shop-next:80 /"),
        # The canary created the shop-next upstream first: canary-only, so this path has no location.
        ("http://preview.example.com/", {}, "404"),
        ("http://preview.example.com/status", {}, "u/status:80 /status"),
        # A normal Ingress created blog-next first: the canary has no traffic policy and gets nothing.
        ("http://blog.example.com/", {}, "u/blog:80 /"),
        # The canary catch-all attaches to the catch-all server; the header is read as $http_x_next.
        ("http://unknown.example.org/", {"x_next": "always"}, "u/fallback-next:80 /"),
        ("http://unknown.example.org/", {}, "u/fallback:80 /"),
    ],
)
def test_upstream_owners_and_catch_all_canary(url: str, headers: dict[str, str], expected: str) -> None:
    assert route(nginx(UPSTREAM_OWNERS), url, **headers) == expected


QUIRKS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: names
  namespace: q
  annotations:
    nginx.ingress.kubernetes.io/server-alias: "~^shop[0-9]+\\\\.example\\\\.com$, *.shop.example.org"
    nginx.ingress.kubernetes.io/upstream-vhost: "$host.internal"
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: codes
  namespace: q
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: https://example.com/choose
    nginx.ingress.kubernetes.io/permanent-redirect-code: "300"
spec:
  rules:
  - host: codes.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad-root
  namespace: q
  annotations: {nginx.ingress.kubernetes.io/app-root: dashboard}
spec:
  rules:
  - host: root.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: r, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  namespace: q
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: "https://new.example.com/landing"}
spec:
  rules:
  - host: moved.example.com
    http:
      paths:
      - {path: /promo, pathType: Prefix, backend: {service: {name: promo, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: keep
  namespace: q
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /keep}
spec:
  rules:
  - host: keep.example.com
    http:
      paths:
      - {path: /keep, pathType: Prefix, backend: {service: {name: keep, port: {number: 80}}}}
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://shop7.example.com/", "q/shop:80 / host=shop7.example.com.internal"),  # a regex alias
        ("http://a.b.shop.example.org/", "q/shop:80 / host=a.b.shop.example.org.internal"),  # nginx wildcard
        ("http://codes.example.com/", "300"),  # `return 300 URL` has no Location
        ("http://root.example.com/", "q/r:80 /"),  # app-root must be an absolute path
        ("http://moved.example.com/promo/x", "302 https://new.example.com/landing"),
        ("http://moved.example.com/", "302 https://new.example.com/landing"),  # the root location too
        # Prefix /keep becomes `location /keep/`, which is no longer equal to the target: rewritten,
        # and the host is in regex mode.
        ("http://keep.example.com/keep/x", "q/keep:80 /keep"),
        ("http://keep.example.com/keep", "q/keep:80 /keep"),
        ("http://keep.example.com/KEEPzz", "q/keep:80 /KEEPzz"),
    ],
)
def test_source_quirks(url: str, expected: str) -> None:
    assert route(nginx(QUIRKS), url) == expected
