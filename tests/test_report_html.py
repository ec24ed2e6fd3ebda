"""The HTML report in a real browser (headless Chromium from Debian's packages, driven by Selenium): it
renders the summary, the plan and the Ingresses; filtering and sorting work; an Ingress opens onto its
findings, resources and behaviour check; and the page makes no network request (issue 16).

Skipped, with the reason, where selenium, chromium or chromedriver is missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.browser import chromium, network_requests, open_report

ROOT = Path(__file__).resolve().parents[1]

# Three Ingresses, one per class as issue 16 defines them:
# - shop/web: its TLS secret must be copied into the gateway namespace: converted, needs steps;
# - blog/web: plain, nothing to do: ready;
# - media/web: a resource backend, which Istio cannot route to (BACKEND_RESOURCE): partial, blocked.
INPUT = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: blog}
spec:
  ingressClassName: nginx
  rules:
  - host: blog.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: media}
spec:
  ingressClassName: nginx
  rules:
  - host: media.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - path: /static
        pathType: Prefix
        backend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}}
"""


def convert(tmp_path: Path) -> tuple[Path, dict]:
    source = tmp_path / "in.yaml"
    source.write_text(INPUT)
    html, js = tmp_path / "report.html", tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kubectl_meshify",
            "file",
            str(source),
            "--report-html",
            str(html),
            "--report-json",
            str(js),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"report written to {html}" in result.stderr
    return html, json.loads(js.read_text())


def rows(driver) -> list[tuple[str, str, str]]:
    """(namespace, name, class) of each table row shown, in order."""
    return [
        tuple(cell.text for cell in row.find_elements("css selector", "td")[:3])
        for row in driver.find_elements("css selector", "#rows tr.row")
    ]


def test_file_is_self_contained(tmp_path: Path) -> None:
    html, _ = convert(tmp_path)
    text = html.read_text()
    # The report's data (probe URLs included) is one JSON text the page parses; the rest is the page.
    start = text.index('<script type="application/json" id="report-data">')
    text = text[:start] + text[text.index("</script>", start) :]
    for external in ("<link", "src=", "@import", "url(", "http://", "https://", "@font-face"):
        assert external not in text, external
    assert "default-src 'none'" in text  # and the page forbids itself any fetch


def test_renders_filters_sorts_and_fetches_nothing(tmp_path: Path) -> None:
    html, report = convert(tmp_path)
    assert {(i["namespace"], i["class"]) for i in report["ingresses"]} == {
        ("shop", "needs-steps"),
        ("blog", "ready"),
        ("media", "blocked"),
    }
    with chromium() as driver:
        open_report(driver, html)
        # Rendered: the class counts, the plan (blocking code first), every Ingress.
        for cls in ("blocked", "needs-steps", "ready"):
            assert driver.find_element("css selector", f".count-{cls}").text == "1"
        plan = driver.find_elements("css selector", "#plan-table tr")
        assert (
            "BACKEND_RESOURCE" in plan[1].text
            and "TLS_SECRET_LOCATION" in driver.find_element("id", "plan-table").text
        )
        assert (
            "copy_secret shop shop-tls istio-system shop-shop-tls"
            in driver.find_element("id", "scripts").text
        )
        assert sorted(rows(driver)) == [
            ("blog", "web", "ready"),
            ("media", "web", "blocked"),
            ("shop", "web", "needs steps"),
        ]

        # Filtering: by class, by namespace, by code, by text.
        from selenium.webdriver.support.ui import Select

        Select(driver.find_element("id", "f-class")).select_by_value("blocked")
        assert rows(driver) == [("media", "web", "blocked")]
        Select(driver.find_element("id", "f-class")).select_by_value("")
        Select(driver.find_element("id", "f-ns")).select_by_value("shop")
        assert rows(driver) == [("shop", "web", "needs steps")]
        Select(driver.find_element("id", "f-ns")).select_by_value("")
        Select(driver.find_element("id", "f-code")).select_by_value("BACKEND_RESOURCE")
        assert [r[0] for r in rows(driver)] == ["media"]
        Select(driver.find_element("id", "f-code")).select_by_value("")
        driver.find_element("id", "q").send_keys("blog.example")
        assert [r[0] for r in rows(driver)] == ["blog"]
        driver.find_element("id", "q").clear()
        driver.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
        assert len(rows(driver)) == 3

        # Sorting: namespace ascending, then descending on a second click.
        header = driver.find_element("css selector", "th[data-key=ns]")
        header.click()
        assert [r[0] for r in rows(driver)] == ["blog", "media", "shop"]
        header.click()
        assert [r[0] for r in rows(driver)] == ["shop", "media", "blog"]

        # An Ingress opens onto its findings, resources and behaviour check.
        driver.find_element("css selector", "#rows tr.row:nth-child(2)").click()  # media (descending)
        detail = driver.find_element("css selector", "#rows tr.detail").text
        assert "BACKEND_RESOURCE" in detail and "Resources" in detail and "Behaviour check" in detail
        assert "routing only" in detail

        # Nothing but the page itself was requested.
        page = html.resolve().as_uri()
        assert network_requests(driver, page) == [page]
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
