"""`--smoke`, `--smoke-https`, `--smoke-compare` and `--trace-routes` through the real CLI, against local
stand-in gateways that answer from the emitted objects (tests/smoke/standin.py), honest or deliberately wrong.

Expected answers come from ingress-nginx, which the emitted configuration reproduces:
- HTTP requests to a host with TLS are redirected with 308 (`HTTPRedirectCode: 308` in `NewDefault`,
  internal/ingress/controller/config/config.go; `ssl-redirect` defaults to true there too);
- `permanent-redirect` answers 301 (`permanent-redirect-code` default, internal/ingress/annotations/redirect/redirect.go);
- a Host no rule names gets the default backend's 404.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser import chromium, open_report
from tests.conftest import istio_errors
from tests.smoke.conftest import documents, free_port, meshify
from tests.smoke.standin import Faults, StandIn

APPS = str(Path(__file__).parent / "data" / "apps.yaml")
SUMMARY = "smoke: {sent} sent, {passed} passed, {failed} failed, {not_sent} not sent"


def converted(*extra: str) -> list[dict[str, Any]]:
    result = meshify("file", APPS, *extra)
    assert result.returncode == 0, result.stderr
    return documents(result.stdout)


def route_to(objects: list[dict[str, Any]], service_host: str) -> str:
    """The name of the first HTTP route whose first destination is `service_host`."""
    for obj in objects:
        for route in (obj.get("spec") or {}).get("http") or () if obj["kind"] == "VirtualService" else ():
            if route.get("route") and route["route"][0]["destination"]["host"] == service_host:
                return str(route["name"])
    raise AssertionError(f"no route to {service_host}")


def smoke_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())["smoke"]


def html_sections(path: Path, *names: str) -> list[str]:
    """The text of sections of the HTML report as headless Chromium renders them."""
    with chromium() as driver:
        open_report(driver, path)
        return [driver.find_element("id", name).text for name in names]


def failures(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("smoke FAIL")]


def test_trace_routes_names_every_route_and_stays_valid_istio() -> None:
    plain, traced = converted(), converted("--trace-routes")
    assert istio_errors(traced) == []
    headers = []
    for obj in traced:
        if obj["kind"] != "VirtualService":
            continue
        names = [r["name"] for r in obj["spec"]["http"]]
        assert len(names) == len(set(names)), names
        for route in obj["spec"]["http"]:
            value = route["headers"]["response"]["set"]["x-meshify-route"]
            assert value == f"{obj['metadata']['namespace']}/{obj['metadata']['name']}/{route['name']}"
            headers.append(value)
    assert len(headers) == 6  # 2 shop routes and its HTTPS redirect, 2 blog routes, the old redirect
    # Off by default: nothing else changes.
    assert "x-meshify-route" not in json.dumps(plain)
    for obj in traced:
        for route in obj.get("spec", {}).get("http") or ():
            del route["headers"]
    assert traced == plain


def test_honest_gateway_passes_every_probe_once_with_sni(
    gateway: Callable[..., StandIn], certificates: dict[str, str], tmp_path: Path
) -> None:
    objects = converted("--trace-routes")
    http = gateway(objects)
    https = gateway(objects, tls=(certificates["gw.crt"], certificates["gw.key"]))
    report, markdown, page = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"
    result = meshify(
        "file", APPS, "--trace-routes", "--smoke", http.url, "--smoke-https", https.url,
        "--report-json", str(report), "--report", str(markdown), "--report-html", str(page),
        env={"SSL_CERT_FILE": certificates["ca.crt"]},  # the gateway's certificate is verified
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    smoke = smoke_json(report)
    summary = smoke["summary"]
    assert summary["failed"] == 0 and summary["not_sent"] == 0 and summary["sent"] == summary["probes"] > 15
    assert SUMMARY.format(sent=summary["sent"], passed=summary["sent"], failed=0, not_sent=0) in result.stderr
    by_request = {p["request"]: p for p in smoke["probes"]}
    # The redirect ingress-nginx made for HTTP on a TLS host: 308, Location exact.
    redirect = by_request["GET http://shop.example.com/api"]
    assert redirect["result"] == "passed"
    assert redirect["got"].startswith("308 Location: https://shop.example.com/api from route ")
    assert by_request["GET http://old.example.com/"]["got"].startswith(
        "301 Location: https://blog.example.com/"
    )
    assert by_request["GET http://no-rule.meshify.invalid/"]["got"] == "404"
    # Each probe reached the gateway exactly once (no retries), HTTPS ones with SNI = Host.
    seen = [(server.scheme, s.host, s.path) for server in (http, https) for s in server.seen]
    assert len(seen) == len(set(seen)) == summary["sent"]
    assert https.seen and all(s.sni == s.host for s in https.seen)
    assert all(s.headers.get("connection") == "close" for s in http.seen)
    text = markdown.read_text()
    assert "## Smoke test" in text and "## Cut-over runbook" in text
    assert text.index("## Smoke test") < text.index("## Cut-over runbook")
    # The HTML report has both too: the totals, and every step of the runbook with its commands.
    sent = summary["sent"]
    shown, runbook = html_sections(page, "smoke", "cutover")
    assert f"{sent} sent, {sent} passed, 0 failed, 0 not sent" in shown
    for step in json.loads(report.read_text())["cutover"]["steps"]:
        assert step["title"] in runbook and all(c in runbook for c in step["commands"])


def test_untrusted_certificate_fails_https_probes_unless_insecure(
    gateway: Callable[..., StandIn], certificates: dict[str, str]
) -> None:
    objects = converted("--trace-routes")
    https = gateway(objects, tls=(certificates["gw.crt"], certificates["gw.key"]))
    strict = meshify("file", APPS, "--trace-routes", "--smoke-https", https.url)
    assert strict.returncode == 1
    lines = failures(strict.stderr)
    assert lines and all("certificate not trusted" in line for line in lines)
    assert all("GET https://shop.example.com" in line for line in lines)
    insecure = meshify("file", APPS, "--trace-routes", "--smoke-https", https.url, "--smoke-insecure")
    assert insecure.returncode == 0, insecure.stderr
    # Without --smoke, the HTTP probes are listed as not sent.
    assert ", 0 failed, " in insecure.stderr and " not sent" in insecure.stderr


def test_missing_route_is_caught_and_named(gateway: Callable[..., StandIn], tmp_path: Path) -> None:
    objects = converted("--trace-routes")
    missing = route_to(objects, "posts.blog.svc.cluster.local")
    http = gateway(objects, faults=Faults(missing_route=missing))
    report = tmp_path / "r.json"
    result = meshify("file", APPS, "--trace-routes", "--smoke", http.url, "--report-json", str(report))
    assert result.returncode == 1
    lines = failures(result.stderr)
    # /posts and what lies below it fell through to the catch-all route.
    assert {line.split(": expected")[0] for line in lines} == {
        "smoke FAIL GET http://blog.example.com/posts",
        "smoke FAIL GET http://blog.example.com/posts/",
        "smoke FAIL GET http://blog.example.com/posts/deeper/path",
    }
    assert all(f"via route blog/blog-example-com/{missing}" in line for line in lines)
    assert all("answered by route blog/blog-example-com/" in line for line in lines)
    failed = [p for p in smoke_json(report)["probes"] if p["result"] == "failed"]
    assert len(failed) == 3 and all(p["ingresses"] == ["blog/blog"] for p in failed)
    # The HTML report lists the failing probes.
    page = tmp_path / "r.html"
    meshify("file", APPS, "--trace-routes", "--smoke", http.url, "--report-html", str(page))
    (shown,) = html_sections(page, "smoke")
    assert "3 failed" in shown
    assert all(f"GET http://blog.example.com/posts{rest}" in shown for rest in ("", "/", "/deeper/path"))


def test_missing_route_without_tracing_is_a_404_from_the_gateway(gateway: Callable[..., StandIn]) -> None:
    objects = converted()
    http = gateway(objects, faults=Faults(missing_route=route_to(objects, "blog.blog.svc.cluster.local")))
    result = meshify("file", APPS, "--smoke", http.url)
    assert result.returncode == 1
    lines = failures(result.stderr)
    assert lines and all("GET http://blog.example.com/" in line for line in lines)
    assert all("404 from the gateway, expected a backend's answer" in line for line in lines)
    assert not any("/posts" in line.split(": expected")[0] and "postszz" not in line for line in lines)


def test_wrong_redirect_code_is_caught(gateway: Callable[..., StandIn]) -> None:
    objects = converted("--trace-routes")
    http = gateway(objects, faults=Faults(redirect_code=302))
    result = meshify("file", APPS, "--trace-routes", "--smoke", http.url)
    assert result.returncode == 1
    lines = failures(result.stderr)
    shop = [line for line in lines if "http://shop.example.com" in line]
    old = [line for line in lines if "http://old.example.com" in line]
    assert len(shop) + len(old) == len(lines) and shop and old
    assert all("status 302, expected 308" in line for line in shop)
    assert all("status 302, expected 301" in line for line in old)


def test_swapped_backend_is_caught_by_route_identity(gateway: Callable[..., StandIn]) -> None:
    objects = converted("--trace-routes")
    posts, blog = (
        route_to(objects, "posts.blog.svc.cluster.local"),
        route_to(objects, "blog.blog.svc.cluster.local"),
    )
    http = gateway(objects, faults=Faults(swap=(posts, blog)))
    result = meshify("file", APPS, "--trace-routes", "--smoke", http.url)
    assert result.returncode == 1
    lines = failures(result.stderr)
    # Every blog.example.com probe: each path answered by the other route (all with a 200).
    requests = {line.split(": expected")[0].removeprefix("smoke FAIL ") for line in lines}
    assert requests == {
        f"GET http://blog.example.com{path}"
        for path in ("/", "/posts", "/posts/", "/posts/deeper/path", "/postszz", "/meshify-probe")
    }
    assert all(" got 200 from route blog/blog-example-com/" in line for line in lines)


def test_swapped_backend_over_https_is_caught(
    gateway: Callable[..., StandIn], certificates: dict[str, str]
) -> None:
    objects = converted("--trace-routes")
    api, web = (
        route_to(objects, "api.shop.svc.cluster.local"),
        route_to(objects, "web.shop.svc.cluster.local"),
    )
    https = gateway(
        objects, tls=(certificates["gw.crt"], certificates["gw.key"]), faults=Faults(swap=(api, web))
    )
    result = meshify("file", APPS, "--trace-routes", "--smoke-https", https.url, "--smoke-insecure")
    assert result.returncode == 1
    lines = failures(result.stderr)
    # Every HTTPS probe of shop: the ones for /api got web's route, the others api's.
    assert len(lines) == 5, lines
    api_lines = [line for line in lines if "shop.example.com/api" in line and "/apizz" not in line]
    assert len(api_lines) == 3
    assert all(f"answered by route shop/shop-example-com/{web}" in line for line in api_lines)
    assert all(
        f"answered by route shop/shop-example-com/{api}" in line for line in set(lines) - set(api_lines)
    )


def test_requests_are_bounded_and_never_retried(gateway: Callable[..., StandIn], tmp_path: Path) -> None:
    objects = converted("--trace-routes")
    slow = gateway(objects, faults=Faults(delay=0.3))
    result = meshify("file", APPS, "--trace-routes", "--smoke", slow.url)
    assert result.returncode == 0, result.stderr
    assert 2 <= slow.max_in_flight <= 8  # concurrent, never more than 8 at once
    # Too slow for the timeout: each probe fails once, none is sent again.
    slower = gateway(objects, faults=Faults(delay=3.0))
    report = tmp_path / "r.json"
    started = time.monotonic()
    result = meshify(
        "file", APPS, "--trace-routes", "--smoke", slower.url, "--smoke-timeout", "0.5", "--report-json", str(report)
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    smoke = smoke_json(report)
    sent = smoke["summary"]["sent"]
    assert smoke["summary"]["failed"] == sent
    assert all(p["got"] == "timed out after 0.5s" for p in smoke["probes"] if p["result"] == "failed")
    time.sleep(0.2)  # the last requests reach the server's log
    assert len(slower.seen) == sent
    # (The server's own count is no use here: it keeps sleeping on requests the client gave up on.)
    # ceil(sent / 8) rounds of 0.5 s, plus the conversion: far below one 3 s answer per probe.
    assert elapsed < 0.5 * (sent // 8 + 1) + 20 < 3.0 * sent


def test_unreachable_gateway_is_a_one_line_error_and_writes_nothing(tmp_path: Path) -> None:
    port = free_port()
    report = tmp_path / "r.json"
    result = meshify("file", APPS, "--smoke", f"http://127.0.0.1:{port}", "--report-json", str(report))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: --smoke http://127.0.0.1:{port}: cannot connect to 127.0.0.1:{port}: connection refused"
    ]
    assert not report.exists()


def test_compare_reports_exactly_the_probe_that_differs(
    gateway: Callable[..., StandIn], tmp_path: Path
) -> None:
    objects = converted("--trace-routes")
    new = gateway(objects)
    old = gateway(objects, faults=Faults(override={("blog.example.com", "/posts/"): 503}))
    report = tmp_path / "r.json"
    result = meshify(
        "file", APPS, "--trace-routes", "--smoke", new.url, "--smoke-compare", old.url, "--report-json", str(report)
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # the new gateway answers as configured
    differs = [line for line in result.stderr.splitlines() if line.startswith("smoke-compare differs")]
    assert differs == [
        "smoke-compare differs GET http://blog.example.com/posts/: new vs old: status 200 vs 503; body differs"
    ]
    smoke = smoke_json(report)
    assert smoke["summary"]["differ"] == 1 and smoke["summary"]["compared"] == smoke["summary"]["sent"]
    disagreeing = [p["request"] for p in smoke["probes"] if "compare" in p and not p["compare"]["agree"]]
    assert disagreeing == ["GET http://blog.example.com/posts/"]
    assert (
        f"smoke-compare: {smoke['summary']['sent']} compared, {smoke['summary']['sent'] - 1} agree, 1 differ"
        in (result.stderr)
    )


def test_smoke_option_errors_are_usage_errors() -> None:
    cases = [
        (["--smoke-insecure"], "--smoke-insecure needs --smoke URL or --smoke-https URL"),
        (["--smoke", "ftp://gw"], "--smoke 'ftp://gw': expected http://ADDRESS[:PORT]"),
        (["--smoke", "http://gw/path"], "give the gateway's address only"),
        (["--smoke", "http://127.0.0.1:9", "--smoke-timeout", "0"], "--smoke-timeout 0: expected seconds"),
        (["--smoke", "http://127.0.0.1:9", "--smoke-insecure"], "--smoke-insecure needs --smoke-https URL"),
    ]
    for args, message in cases:
        result = meshify("file", APPS, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_compare_over_https_takes_the_https_probes(
    gateway: Callable[..., StandIn], certificates: dict[str, str], tmp_path: Path
) -> None:
    objects = converted("--trace-routes")
    tls = (certificates["gw.crt"], certificates["gw.key"])
    new, old = gateway(objects, tls=tls), gateway(objects, tls=tls)
    report = tmp_path / "r.json"
    result = meshify(
        "file", APPS, "--trace-routes", "--smoke-https", new.url, "--smoke-compare", old.url,
        "--report-json", str(report), env={"SSL_CERT_FILE": certificates["ca.crt"]},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    smoke = smoke_json(report)
    compared = [p for p in smoke["probes"] if "compare" in p]
    assert compared and all(p["request"].startswith("GET https://") for p in compared)
    assert len(compared) == smoke["summary"]["sent"] == len(old.seen)
    assert smoke["summary"]["differ"] == 0
    assert all(s.sni == s.host for s in old.seen)
