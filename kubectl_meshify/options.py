"""Conversion options shared by every command (see CLI.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

ISTIO_API_VERSIONS = ("v1", "v1beta1", "v1alpha3")
DEFAULT_NGINX_PREFIX = "nginx.ingress.kubernetes.io"


@dataclass
class Options:
    """What to convert and how to emit it; defaults match CLI.md."""

    api_version: str = "v1"
    gateway: str | None = None  # `namespace/name` of an existing Gateway to bind to
    gateway_namespace: str = "istio-system"
    gateway_selector: dict[str, str] = field(default_factory=lambda: {"istio": "ingressgateway"})
    ingress_classes: list[str] = field(default_factory=list)
    # (namespace, secret) of ingress-nginx's `--default-ssl-certificate`: served where it served that one
    default_ssl_certificate: tuple[str, str] | None = None
    cluster_domain: str = "cluster.local"
    default_namespace: str = "default"
    nginx_annotation_prefix: str = DEFAULT_NGINX_PREFIX
    verify: bool = True
    # Every HTTP route answers with `x-meshify-route: <namespace>/<virtualservice>/<route>` (--trace-routes):
    # the smoke test then tells which route served each probe. For the cut-over only.
    trace_routes: bool = False

    @property
    def nginx_prefix(self) -> str:
        """The annotation prefix with its trailing slash."""
        return self.nginx_annotation_prefix.rstrip("/") + "/"

    def service_host(self, name: str, namespace: str) -> str:
        return f"{name}.{namespace}.svc.{self.cluster_domain}"
