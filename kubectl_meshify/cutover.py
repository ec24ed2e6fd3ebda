"""The cut-over runbook every report ends with: the order of steps from ingress-nginx to the Istio gateway
for this input, the exact commands, and how to roll back at each step.

The Ingresses are never touched before the last steps: until then, moving DNS back is the whole rollback.
The commands are built from the command line of the run (`Invocation`), so they convert the same input
with the same options.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.model import Status

GATEWAY_VAR = "$GATEWAY"  # the ingress gateway's external address, found by the first command
# Options that write or apply (dropped from the re-run commands) and the smoke options (set anew).
_WRITING = {
    "--out-dir",
    "--in-place",
    "--keep-ingress",
    "--report",
    "--report-json",
    "--report-html",
    "--output",
}
_APPLYING = {"--apply", "--dry-run", "--force-conflicts", "--allow-partial"}
_SMOKE = {
    "--smoke",
    "--smoke-https",
    "--smoke-insecure",
    "--smoke-timeout",
    "--smoke-compare",
    "--trace-routes",
}


@dataclass
class Invocation:
    """How this run was invoked: `words` are the arguments after `kubectl meshify`, as (option, values)."""

    mode: str  # "file" or "cluster"
    words: list[tuple[str, list[str]]] = field(default_factory=list)  # ("", [positional...]) first
    smoke_http: str | None = None
    smoke_https: str | None = None
    gitops_files: bool = False  # --out-dir / --in-place in file mode: files without their Ingresses
    keep_ingress: bool = False

    def command(self, drop: set[str], add: Sequence[str] = ()) -> str:
        out = ["kubectl", "meshify"]
        for option, values in self.words:
            if option in drop:
                continue
            if not option:
                out += values
            elif not values:
                out.append(option)
            else:
                for value in values:
                    out += [option, value]
        return " ".join(_quote(word) for word in [*out, *add])


def _quote(word: str) -> str:
    """Shell quoting, except for the gateway variable, which the shell must expand."""
    return word if re.fullmatch(r"[\w:/.-]*\$GATEWAY", word) else shlex.quote(word)


def invocation_from_click(ctx: Any, mode: str) -> Invocation:
    """The run's command line, read back from click's parsed parameters (defaults left out)."""
    words: list[tuple[str, list[str]]] = []
    positional: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value is False or value == () or value == [] or getattr(param, "is_eager", False):
            continue
        if param.param_type_name == "argument":
            positional += [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
            continue
        if value == param.default or (hasattr(param.default, "value") and value == param.default.value):
            continue
        option = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            words.append((option, []))
        else:
            values = value if isinstance(value, list | tuple) else [value]
            words.append((option, [str(getattr(v, "value", v)) for v in values]))
    params = ctx.params
    return Invocation(
        mode=mode,
        words=[("", [str(ctx.info_name), *positional]), *words],
        smoke_http=params.get("smoke"),
        smoke_https=params.get("smoke_https"),
        gitops_files=mode == "file" and bool(params.get("out_dir") or params.get("in_place")),
        keep_ingress=bool(params.get("keep_ingress")),
    )


_PROVIDED = {
    "copy": "copy the secret with the command below",
    "cert-manager": "issued by cert-manager from the Certificate applied in step 2; wait until it is Ready",
    "in-place": "already in the gateway namespace",
}


@dataclass
class Step:
    title: str
    why: str
    commands: list[str]
    rollback: str


def runbook(result: Any, invocation: Invocation | None) -> list[Step]:
    """The cut-over steps for the Ingresses and objects of `result` (a MigrationResult)."""
    invocation = invocation or Invocation(mode="file", words=[("", ["file", "PATH..."])])
    options = result.options
    gw_ns = options.gateway_namespace
    converted = [r for r in result.records if r.status is Status.CONVERTED]
    partial = [r for r in result.records if r.status is Status.PARTIAL]
    credentials = [result.model.credentials[n] for n in sorted(result.model.credentials)]
    tls = any(p.get("kind") == "Gateway" and _has_tls(p) for p in result.objects) or bool(credentials)
    steps: list[Step] = []

    copy = [c.command for c in credentials if c.provider == "copy" and c.command]
    steps.append(
        Step(
            "Certificates and secrets in the gateway namespace",
            f"The gateway reads every TLS `credentialName` from namespace {gw_ns}"
            + (
                f": {len(credentials)} credential(s): "
                + "; ".join(f"{c.name} ({_PROVIDED.get(c.provider, c.provider)})" for c in credentials)
                + ". Check that each exists before traffic moves (see TLS credentials)."
                if credentials
                else "; this input serves no TLS through the gateway."
            ),
            copy
            + (
                [f"kubectl get secret -n {gw_ns} " + " ".join(c.name for c in credentials)]
                if credentials
                else []
            ),
            "Delete the copied secrets; nothing serves them yet.",
        )
    )
    apply_cmd = _apply_command(invocation)
    steps.append(
        Step(
            "Apply the Istio objects, with route tracing, while the Ingresses stay",
            "ingress-nginx keeps serving every request (DNS still points at it); the Istio gateway serves the"
            " same hosts in parallel. `--trace-routes` makes every route answer with `x-meshify-route`, so the"
            " smoke test can tell which route served each probe."
            + (
                " Do not sync the files written by this run through GitOps yet: they no longer hold the"
                " Ingresses, and a sync that prunes would delete them before DNS moves (convert with"
                " `--keep-ingress` for this phase)."
                if invocation.gitops_files and not invocation.keep_ingress
                else ""
            ),
            [apply_cmd],
            "Delete what was applied (the Ingresses were not touched): "
            + "; ".join(_delete_objects(result.objects))
            if result.objects
            else "Nothing was applied.",
        )
    )
    steps.append(
        Step(
            "Smoke test against the live Istio gateway",
            "Sends every probe of the behaviour check to the gateway with each probe's Host header (and SNI),"
            " and judges each answer against the emitted configuration; exit 1 names each failing probe."
            " `--smoke-compare` also asks ingress-nginx and shows where the two gateways answer differently.",
            [_gateway_address(gw_ns), _smoke_command(invocation, tls)],
            "Nothing to roll back (read-only requests). Fix what failed, apply again, repeat.",
        )
    )
    steps.append(
        Step(
            "Move DNS or the load balancer to the Istio gateway",
            "Point each host's DNS record (or the external load balancer) at the gateway's address. Lower the"
            " records' TTL a day before, so that a rollback takes effect quickly.",
            [f"# point these hosts at {GATEWAY_VAR}: " + " ".join(_hosts(result.records))],
            "Point DNS back at ingress-nginx's address; it still serves every Ingress unchanged.",
        )
    )
    steps.append(
        Step(
            "Watch",
            "Watch the gateway's error rate and latency, and ingress-nginx's traffic falling to zero, for at"
            " least the old records' TTL.",
            [
                f"kubectl logs -n {gw_ns} -l {_selector(options.gateway_selector)} -f",
                "kubectl logs -n ingress-nginx -l app.kubernetes.io/name=ingress-nginx -f",
            ],
            "Point DNS back at ingress-nginx.",
        )
    )
    steps.append(
        Step(
            "Convert and apply again without route tracing",
            "The `x-meshify-route` header is for the cut-over only: remove it from the routes.",
            [_apply_command(invocation, trace=False)],
            "Apply the traced objects again (step 2), or leave it: the header changes no routing.",
        )
    )
    delete = _delete_ingresses(converted)
    steps.append(
        Step(
            "Delete the Ingresses",
            "Only now: the Istio gateway has served all traffic for a while. Keep a copy first."
            + (
                f" Left out: {len(partial)} partially converted Ingress(es) ("
                + ", ".join(r.key for r in partial)
                + "); delete them only after reviewing their findings."
                if partial
                else ""
            ),
            _backup_ingresses(converted) + delete if delete else ["# no Ingress was converted"],
            "Create the Ingresses again from the copy (`kubectl apply -f ingresses-backup.yaml`) and point DNS"
            " back at ingress-nginx.",
        )
    )
    steps.append(
        Step(
            "Retire ingress-nginx",
            "When no Ingress of its classes is left (`kubectl get ingress -A`), remove the controller as it was"
            " installed.",
            [
                "kubectl get ingress -A",
                "helm uninstall ingress-nginx -n ingress-nginx  # if installed by Helm",
            ],
            "Install ingress-nginx again and restore the Ingresses from the copy.",
        )
    )
    return steps


def _has_tls(gateway: dict[str, Any]) -> bool:
    return any(s.get("tls") for s in (gateway.get("spec") or {}).get("servers") or ())


def _apply_command(invocation: Invocation, trace: bool = True) -> str:
    add = ["--trace-routes"] if trace else []
    if invocation.mode == "cluster":
        return invocation.command(_WRITING | _APPLYING | _SMOKE, [*add, "--apply"])
    command = invocation.command(_WRITING | _SMOKE, add)
    return f"{command} | kubectl apply --server-side --field-manager=kubectl-meshify -f -"


def _smoke_command(invocation: Invocation, tls: bool) -> str:
    add = ["--trace-routes", "--smoke", invocation.smoke_http or f"http://{GATEWAY_VAR}"]
    if tls or invocation.smoke_https:
        add += ["--smoke-https", invocation.smoke_https or f"https://{GATEWAY_VAR}"]
    command = invocation.command(_WRITING | _APPLYING | _SMOKE, add)
    return f"{command} > /dev/null"


def _gateway_address(namespace: str) -> str:
    return (
        f"GATEWAY=$(kubectl get svc -n {namespace} istio-ingressgateway"
        " -o jsonpath='{.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}')"
    )


def _selector(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _by_namespace(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for namespace, name in items:
        grouped.setdefault(namespace, []).append(name)
    return dict(sorted(grouped.items()))


def _delete_objects(objects: Sequence[dict[str, Any]]) -> list[str]:
    items = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        items.append(
            (str(meta.get("namespace") or "default"), f"{str(obj.get('kind')).lower()}/{meta.get('name')}")
        )
    return [f"`kubectl delete -n {ns} {' '.join(names)}`" for ns, names in _by_namespace(items).items()]


def _delete_ingresses(records: Sequence[Any]) -> list[str]:
    grouped = _by_namespace((r.obj.namespace, r.obj.name) for r in records)
    return [f"kubectl delete ingress -n {ns} {' '.join(names)}" for ns, names in grouped.items()]


def _backup_ingresses(records: Sequence[Any]) -> list[str]:
    grouped = _by_namespace((r.obj.namespace, r.obj.name) for r in records)
    commands = [f"kubectl get ingress -n {ns} {' '.join(names)} -o yaml" for ns, names in grouped.items()]
    return ["{ " + "; echo ---; ".join(commands) + "; } > ingresses-backup.yaml"]


def _hosts(records: Sequence[Any]) -> list[str]:
    hosts: set[str] = set()
    for record in records:
        if record.status not in (Status.CONVERTED, Status.PARTIAL):
            continue
        for rule in (record.obj.body.get("spec") or {}).get("rules") or ():
            if isinstance(rule, dict) and rule.get("host"):
                hosts.add(str(rule["host"]))
    return sorted(hosts) or ["(no host: the Ingresses answer every Host)"]


@dataclass
class CutoverKit:
    """The cut-over part of a run: its command line (for the runbook) and the smoke test, if asked for.

    Rendering is the report/ package's (sections/smoke.py, sections/cutover.py); the stderr lines and the
    exit code are the command line's (cli/cutover.py).
    """

    invocation: Invocation
    smoke: Any = None  # smoke.flags.SmokeArgs

    def preflight(self) -> None:
        """Before anything is converted, applied or written: the gateway addresses must answer."""
        if self.smoke is not None:
            from kubectl_meshify.smoke.run import preflight

            preflight(self.smoke)

    def before_reports(self, result: Any) -> None:
        """After the conversion (and the apply): run the smoke test; both go into the reports.

        `result` is a MigrationResult (result.py refers to this module: no import back).
        """
        result.invocation = self.invocation
        if self.smoke is not None:
            from kubectl_meshify.smoke.run import run_smoke

            result.smoke = run_smoke(self.smoke, result)
