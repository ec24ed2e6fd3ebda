"""The smoke test's options as checked values (declared for `file`, `ns` and `all` in cli/options.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from kubectl_meshify.errors import UsageError

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Target:
    """Where one gateway listens: scheme, address and port (the URL as given, for messages)."""

    url: str
    scheme: str
    address: str
    port: int


@dataclass(frozen=True)
class SmokeArgs:
    """The smoke test as asked for on the command line."""

    http: Target | None = None
    https: Target | None = None
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    compare_http: Target | None = None
    compare_https: Target | None = None


def parse_target(option: str, url: str, schemes: tuple[str, ...]) -> Target:
    """`http://ADDRESS[:PORT]` (or https) as a Target; anything else is a usage error."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UsageError(f"{option} {url!r}: {err}") from None
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{s}://ADDRESS[:PORT]" for s in schemes)
        raise UsageError(f"{option} {url!r}: expected {wanted}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise UsageError(f"{option} {url!r}: give the gateway's address only (no path, query or user)")
    default = 443 if parts.scheme == "https" else 80
    return Target(url, parts.scheme, parts.hostname, port or default)


def smoke_args(
    smoke: str | None,
    smoke_https: str | None,
    insecure: bool,
    timeout: float,
    compare: list[str] | None,
) -> SmokeArgs | None:
    """The checked smoke options, or None when no smoke test was asked for."""
    if smoke is None and smoke_https is None:
        given = [
            name for name, value in (("--smoke-insecure", insecure), ("--smoke-compare", compare)) if value
        ]
        if given or timeout != DEFAULT_TIMEOUT:
            raise UsageError(f"{(given or ['--smoke-timeout'])[0]} needs --smoke URL or --smoke-https URL")
        return None
    if insecure and smoke_https is None:
        raise UsageError("--smoke-insecure needs --smoke-https URL")
    if not 0 < timeout <= 300:
        raise UsageError(f"--smoke-timeout {timeout:g}: expected seconds between 0 and 300")
    compare_http = compare_https = None
    for url in compare or ():
        target = parse_target("--smoke-compare", url, ("http", "https"))
        if target.scheme == "http":
            if compare_http is not None:
                raise UsageError("--smoke-compare: one http:// URL at most")
            compare_http = target
        else:
            if compare_https is not None:
                raise UsageError("--smoke-compare: one https:// URL at most")
            compare_https = target
    return SmokeArgs(
        http=parse_target("--smoke", smoke, ("http",)) if smoke is not None else None,
        https=parse_target("--smoke-https", smoke_https, ("https",)) if smoke_https is not None else None,
        insecure=insecure,
        timeout=timeout,
        compare_http=compare_http,
        compare_https=compare_https,
    )
