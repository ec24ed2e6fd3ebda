"""Proof of equivalence: probe every route under the source controller and under the emitted Istio
configuration, and point at each request that would behave differently.

Two independent models evaluate the same probe requests: `nginx_model` (ingress-nginx) or
`istio_ingress_model` (Istio's own Ingress support) rebuild the source controller from the Ingress
objects; `istio_model` routes through the emitted Gateway / VirtualService / DestinationRule objects
only. `compare.verify` runs both and matches every difference to the finding that explains it.
"""

from kubectl_meshify.verify.compare import (
    UNEXPLAINED_CODE,
    Difference,
    IngressVerification,
    VerificationResult,
    VerifyOptions,
    explain,
    verify,
)
from kubectl_meshify.verify.request import Dest, Outcome, Probe

__all__ = [
    "UNEXPLAINED_CODE",
    "Dest",
    "Difference",
    "IngressVerification",
    "Outcome",
    "Probe",
    "VerificationResult",
    "VerifyOptions",
    "explain",
    "verify",
]
