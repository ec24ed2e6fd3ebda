"""Request mirroring.

| key | verdict | Istio |
| --- | --- | --- |
| mirror-target | approximated | route `mirrors: [{destination: {host, port}}]` (100 %); Envoy mirrors fire-and-forget and appends `-shadow` to the Host; a target path other than `$request_uri` is unsupported |
| mirror-host | unsupported | none: Envoy sends the original Host with `-shadow` appended |
| mirror-request-body | approximated | `on`: Envoy mirrors the body too; `off`: unsupported (Envoy always mirrors the body) |

A target inside the cluster (`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`) becomes that Service; an
`https` one also gets TLS origination in the gateway-scoped DestinationRule (nginx did not verify the
mirror's certificate). Any other host needs a ServiceEntry, which the report spells out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.gateway_scope import Backend, set_policy
from kubectl_meshify.annotations.ingress_nginx._common import cluster_service, present, report_ignored
from kubectl_meshify.findings import Severity, Verdict

KEYS = {
    "mirror-target": KeyInfo(
        Verdict.APPROXIMATED, "route `mirrors[].destination` (fire-and-forget, `-shadow` Host)"
    ),
    "mirror-host": KeyInfo(Verdict.UNSUPPORTED, "none (Envoy appends `-shadow` to the original Host)"),
    "mirror-request-body": KeyInfo(Verdict.APPROXIMATED, "`on`: Envoy mirrors the body; `off`: unsupported"),
}

_URL = re.compile(r"^(?P<scheme>https?)://(?P<host>[A-Za-z0-9.\-]+)(?::(?P<port>\d+))?(?P<path>.*)$")


@dataclass(frozen=True)
class MirrorTarget:
    """A parsed mirror-target: the Istio destination host, port, and the Service if it is in the cluster."""

    scheme: str
    host: str
    port: int
    path: str
    service: tuple[str, str] | None  # (namespace, name)


def parse_target(ctx: FamilyContext, value: str) -> MirrorTarget | None:
    """`http(s)://host[:port][$request_uri]` → target; None when it is not such a URL."""
    match = _URL.match(value.strip())
    if not match:
        return None
    scheme, host = match.group("scheme"), match.group("host").lower()
    port = int(match.group("port") or (443 if scheme == "https" else 80))
    service = cluster_service(ctx, host)
    if service is not None:
        host = ctx.options.service_host(service[1], service[0])
    return MirrorTarget(scheme, host, port, match.group("path"), service)


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    raw = (ctx.value("mirror-target") or "").strip()
    target = parse_target(ctx, raw) if raw else None
    mirrored = False
    if ctx.has("mirror-target"):
        mirrored = _mirror(ctx, raw, target)
    for key in ("mirror-host", "mirror-request-body"):
        if ctx.has(key) and not mirrored:
            ctx.report(key, Verdict.NO_OP, "Only used together with a converted mirror-target.")
    if mirrored and ctx.has("mirror-host"):
        ctx.report(
            "mirror-host",
            Verdict.UNSUPPORTED,
            f"nginx sent mirrored requests with Host {ctx.value('mirror-host')}; Envoy sends the original"
            " Host with -shadow appended.",
            action="Make the mirror accept the <host>-shadow Host header.",
        )
    if mirrored and ctx.has("mirror-request-body"):
        if (ctx.value("mirror-request-body") or "").strip().lower() == "off":
            ctx.report(
                "mirror-request-body",
                Verdict.UNSUPPORTED,
                "nginx mirrored requests without their body; Envoy always mirrors the body.",
                action="Make sure the mirror can take the full request bodies.",
            )
        else:
            ctx.report(
                "mirror-request-body",
                Verdict.APPROXIMATED,
                "Envoy mirrors the request body, as nginx did with on (see mirror-target for how mirroring"
                " differs).",
            )


def _mirror(ctx: FamilyContext, raw: str, target: MirrorTarget | None) -> bool:
    if target is None:
        ctx.report(
            "mirror-target",
            Verdict.UNSUPPORTED,
            f"{raw!r} is not an http(s)://host[:port] URL Istio can mirror to; nothing is mirrored.",
            action="Mirror to a Service (http://svc.namespace:port$request_uri) and convert again.",
        )
        return False
    if target.path not in ("", "$request_uri"):
        ctx.report(
            "mirror-target",
            Verdict.UNSUPPORTED,
            f"The mirror URL sets the path ({target.path}); Envoy mirrors requests with their original path"
            " and query, so nothing is mirrored.",
            action="Make the mirror serve the original paths (target ending in $request_uri) and convert again.",
        )
        return False
    routes = [route for _, route in ctx.routes() if route.redirect is None and route.direct_response is None]
    for route in routes:
        route.http["mirrors"] = [{"destination": {"host": target.host, "port": {"number": target.port}}}]
    text = (
        f"All requests of {len(routes)} route(s) are mirrored to {target.host}:{target.port}. Envoy mirrors"
        " fire-and-forget (nginx made the client wait for a slow mirror) and sends the mirror the original"
        " Host with -shadow appended."
    )
    action = None
    severity = Severity.INFO
    if target.service is not None and target.scheme == "https":
        backend = Backend(target.service[0], target.service[1], target.port)
        set_policy(ctx, backend, ("tls",), {"mode": "SIMPLE", "insecureSkipVerify": True})
        text += " The mirror speaks HTTPS: the gateway-scoped DestinationRule originates TLS to it."
    if target.service is None:
        severity = Severity.WARNING
        action = (
            f"{target.host} is outside the mesh: add a ServiceEntry (hosts: [{target.host}], ports: [{{number:"
            f" {target.port}, name: http, protocol: HTTP}}], resolution: DNS, location: MESH_EXTERNAL)"
            + (
                " and a DestinationRule for it with tls mode SIMPLE (the gateway then originates TLS)"
                if target.scheme == "https"
                else ""
            )
            + ", or the mirror has no destination."
        )
    ctx.report("mirror-target", Verdict.APPROXIMATED, text, action=action, severity=severity)
    return True
