"""Which cluster to talk to, decided the way kubectl decides it.

`--kubeconfig` replaces `$KUBECONFIG`; `$KUBECONFIG` is a list of files merged in order, where the first
file to name a cluster, user or context wins, and so does the first file that sets `current-context`
(the Python client takes the last one, so the context is resolved here and passed explicitly). Without
any kubeconfig, a process running in a pod uses its service account (in-cluster config).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubectl_meshify.errors import ClusterError, UsageError

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class KubeconfigChoice:
    """The resolved access: kubeconfig files and context, or in-cluster service account."""

    files: tuple[str, ...] = ()
    context: str | None = None
    server: str | None = None  # for messages
    in_cluster: bool = False
    service_account_dir: Path = SERVICE_ACCOUNT_DIR
    namespace: str | None = None  # the context's namespace (in a pod: the pod's), when there is one
    as_user: str | None = None  # the user entry's `as`: whom every request impersonates
    as_groups: tuple[str, ...] = ()  # the user entry's `as-groups`

    def describe(self) -> str:
        if self.in_cluster:
            return "in-cluster service account"
        return f'context "{self.context}"'


def parse_request_timeout(text: str | None) -> float | None:
    """kubectl's `--request-timeout`: `0` (no timeout), `30` (seconds) or a duration like `1m30s`, `500ms`.

    None means the option was not given: the plugin's default applies (a review must not hang).
    """
    if text is None:
        return DEFAULT_REQUEST_TIMEOUT
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise UsageError(
                f"invalid --request-timeout {text!r}: "
                "use a number of seconds or a duration such as 30s, 2m, 500ms"
            )
        unit = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
        seconds = sum(float(n) * unit[u] for n, u in parts)
    return seconds or None


def _read_kubeconfig(path: str) -> dict[str, Any] | None:
    from kubectl_meshify.collisions import remember_read

    remember_read([path])  # never written over by --out-dir or --report
    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as err:
        raise ClusterError(f"cannot read kubeconfig {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ClusterError(f"kubeconfig {path} is not valid YAML{where}") from None
    if data is None:
        return None  # kubectl skips empty files
    if not isinstance(data, dict):
        raise ClusterError(f"kubeconfig {path} is not a kubeconfig (expected a mapping)")
    return data


def _named(entries: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name"):
            out.append((str(entry["name"]), entry))
    return out


def resolve_kubeconfig(
    kubeconfig: str | None,
    context: str | None,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
) -> KubeconfigChoice:
    """Pick kubeconfig files and the context like kubectl; raise ClusterError with one clear line."""
    env = os.environ if environ is None else environ
    if kubeconfig:
        path = os.path.expanduser(kubeconfig)
        if not os.path.isfile(path):
            raise ClusterError(f"kubeconfig {kubeconfig} does not exist")
        candidates = [path]
    elif env.get("KUBECONFIG"):
        candidates = []
        for part in env["KUBECONFIG"].split(os.pathsep):
            path = os.path.expanduser(part)
            if part and path not in candidates and os.path.isfile(path):
                candidates.append(path)
    else:
        home = env.get("HOME") or os.path.expanduser("~")
        default = os.path.join(home, ".kube", "config")
        candidates = [default] if os.path.isfile(default) else []

    loaded = [(path, data) for path in candidates if (data := _read_kubeconfig(path)) is not None]
    if not loaded:
        if _in_cluster_available(env, service_account_dir):
            if context:
                raise ClusterError(
                    f'--context "{context}" given, but no kubeconfig was found (running in a pod)'
                )
            return KubeconfigChoice(
                in_cluster=True,
                service_account_dir=service_account_dir,
                namespace=_pod_namespace(env, service_account_dir),
            )
        where = (
            kubeconfig
            or (f"$KUBECONFIG ({env['KUBECONFIG']})" if env.get("KUBECONFIG") else None)
            or "~/.kube/config"
        )
        raise ClusterError(f"no kubeconfig found at {where}: pass --kubeconfig or set $KUBECONFIG")

    contexts: dict[str, dict[str, Any]] = {}
    clusters: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    current = None
    for _, data in loaded:
        for name, entry in _named(data.get("contexts")):
            contexts.setdefault(name, entry.get("context") or {})
        for name, entry in _named(data.get("clusters")):
            clusters.setdefault(name, entry.get("cluster") or {})
        for name, entry in _named(data.get("users")):
            users.setdefault(name, entry.get("user") or {})
        if current is None and data.get("current-context"):
            current = str(data["current-context"])
    chosen = context or current
    known = ", ".join(sorted(contexts)) or "none"
    if not chosen:
        raise ClusterError(f"the kubeconfig sets no current context: pass --context (contexts: {known})")
    if chosen not in contexts:
        raise ClusterError(f'context "{chosen}" not found in the kubeconfig (contexts: {known})')
    cluster = clusters.get(str(contexts[chosen].get("cluster", "")))
    server = str(cluster.get("server")) if cluster and cluster.get("server") else None
    namespace = contexts[chosen].get("namespace")
    user = users.get(str(contexts[chosen].get("user", ""))) or {}
    groups = user.get("as-groups")
    if not isinstance(groups, list):
        groups = []
    return KubeconfigChoice(
        files=tuple(p for p, _ in loaded),
        context=chosen,
        server=server,
        namespace=str(namespace) if namespace else None,
        as_user=str(user["as"]) if user.get("as") else None,
        as_groups=tuple(str(g) for g in groups if g),
    )


def context_names(kubeconfig: str | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The contexts of the kubeconfig files kubectl would read (for completion); [] when there are none."""
    env = os.environ if environ is None else environ
    if kubeconfig:
        paths = [os.path.expanduser(kubeconfig)]
    elif env.get("KUBECONFIG"):
        paths = [os.path.expanduser(p) for p in env["KUBECONFIG"].split(os.pathsep) if p]
    else:
        paths = [os.path.join(env.get("HOME") or os.path.expanduser("~"), ".kube", "config")]
    names: list[str] = []
    for path in paths:
        data = _read_kubeconfig(path) if os.path.isfile(path) else None
        names += [name for name, _ in _named((data or {}).get("contexts")) if name not in names]
    return names


def _pod_namespace(env: Mapping[str, str], service_account_dir: Path) -> str | None:
    """client-go's in-cluster namespace: $POD_NAMESPACE, else the service account's namespace file."""
    if env.get("POD_NAMESPACE"):
        return env["POD_NAMESPACE"]
    try:
        return (service_account_dir / "namespace").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _in_cluster_available(env: Mapping[str, str], service_account_dir: Path) -> bool:
    return bool(
        env.get("KUBERNETES_SERVICE_HOST")
        and env.get("KUBERNETES_SERVICE_PORT")
        and (service_account_dir / "token").is_file()
    )


def client_configuration(choice: KubeconfigChoice, environ: Mapping[str, str] | None = None) -> Any:
    """A `kubernetes.client.Configuration` for the choice, with urllib3's own retries turned off.

    Imports the kubernetes client (about 0.4 s), so only cluster commands call it.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    try:
        if choice.in_cluster:
            from kubernetes.config.incluster_config import InClusterConfigLoader

            InClusterConfigLoader(
                token_filename=str(choice.service_account_dir / "token"),
                cert_filename=str(choice.service_account_dir / "ca.crt"),
                environ=os.environ if environ is None else environ,
            ).load_and_set(configuration)
        else:
            config.load_kube_config(
                config_file=os.pathsep.join(choice.files),
                context=choice.context,
                client_configuration=configuration,
                persist_config=False,
            )
    except ConfigException as err:
        raise ClusterError(f"cannot use {choice.describe()}: {_one_line(str(err))}") from None
    except OSError as err:
        raise ClusterError(f"cannot use {choice.describe()}: {err}") from None
    # Retries are ours (bounded, with backoff, only on 429/5xx and dropped connections):
    # urllib3's default of 3 silent retries would multiply every timeout.
    configuration.retries = False
    return configuration


def _one_line(text: str) -> str:
    return " ".join(text.split())
