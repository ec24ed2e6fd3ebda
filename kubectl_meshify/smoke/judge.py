"""Judging a live answer against the outcome the emitted Istio configuration should produce.

- redirect: the status code and the exact `Location` (a bare `https://host` counts as `https://host/`);
- local status (a 404 where no route matches, a direct response): that status;
- proxied: a non-error answer (below 500, and a 404 only when it came from a backend); with
  --trace-routes the `x-meshify-route` header must name the expected route; a weighted split is one
  route, so membership is checked, never the proportions;
- refused (no TLS server for the SNI name): no answer;
- with --trace-routes, an expected 404 answered by some route means that route catches too much.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_meshify.smoke.plan import PlannedProbe
from kubectl_meshify.smoke.send import Answer
from kubectl_meshify.verify.request import Outcome


@dataclass(frozen=True)
class Judgement:
    passed: bool
    why: str = ""  # for a failure: what does not match


def expected_text(planned: PlannedProbe) -> str:
    outcome = planned.expected
    text = outcome.describe()
    if planned.routes:
        text += " via route " + " or ".join(planned.routes)
    return text


def judge(planned: PlannedProbe, answer: Answer, traced: bool) -> Judgement:
    """Whether `answer` is what the emitted configuration should give `planned.probe`."""
    expected = planned.expected
    if expected.kind == "refused":
        if answer.error is not None:
            return Judgement(True)
        return Judgement(False, "answered where no server should")
    if answer.error is not None:
        return Judgement(False, answer.error)
    assert answer.status is not None
    route_problem = _route_problem(planned, answer, traced)
    if expected.kind == "redirect":
        if answer.status != expected.status:
            return Judgement(False, f"status {answer.status}, expected {expected.status}")
        if normalise_location(answer.location) != expected.location:
            return Judgement(False, f"Location {answer.location}, expected {expected.location}")
    elif expected.kind == "status":
        if answer.status != expected.status:
            return Judgement(False, f"status {answer.status}, expected {expected.status}")
    elif expected.kind in ("proxy", "passthrough"):
        if answer.status >= 500:
            return Judgement(False, f"status {answer.status}")
        if answer.status == 404 and not (
            answer.upstream or (planned.routes and answer.route in planned.routes)
        ):
            return Judgement(False, "404 from the gateway, expected a backend's answer")
    if route_problem:
        return Judgement(False, route_problem)
    return Judgement(True)


def _route_problem(planned: PlannedProbe, answer: Answer, traced: bool) -> str:
    if not traced or planned.expected.kind == "passthrough":
        return ""
    if planned.routes:
        if answer.route is None:
            return "no x-meshify-route header (was the configuration converted with --trace-routes applied?)"
        if answer.route not in planned.routes:
            return f"answered by route {answer.route}"
        return ""
    if answer.route is not None and planned.expected.kind == "status" and planned.expected.status == 404:
        return f"answered by route {answer.route}, expected no route"
    return ""


def normalise_location(location: str | None) -> str | None:
    """`https://host` and `https://host/` name the same resource (as `verify.request.redirect` does)."""
    if location is None:
        return None
    _, sep, rest = location.partition("://")
    return location + "/" if sep and "/" not in rest else location


def sendable(outcome: Outcome) -> bool:
    """Whether a live answer can be judged: the Istio model evaluated the probe."""
    return outcome.kind != "unknown"


@dataclass(frozen=True)
class Agreement:
    """A probe's answers from the new and the old gateway, side by side."""

    agree: bool
    differences: tuple[str, ...] = ()


def compare(new: Answer, old: Answer) -> Agreement:
    """Status, Location and body digest (or the failure) of both gateways."""
    differences = []
    if (new.error is None) != (old.error is None) or (new.error and new.error != old.error):
        differences.append(f"answer: {new.describe()} vs {old.describe()}")
    else:
        if new.status != old.status:
            differences.append(f"status {new.status} vs {old.status}")
        if normalise_location(new.location) != normalise_location(old.location):
            differences.append(f"Location {new.location} vs {old.location}")
        if new.digest != old.digest:
            differences.append("body differs")
    return Agreement(not differences, tuple(differences))
