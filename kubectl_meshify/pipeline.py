"""The library entry point: resources + options → converted objects, findings and statuses."""

from __future__ import annotations

from kubectl_meshify.emit.istio import emit
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.result import MigrationResult
from kubectl_meshify.tls.served import served_credentials
from kubectl_meshify.translate import translate

__all__ = ["MigrationResult", "migrate"]


def migrate(resources: ResourceSet, options: Options) -> MigrationResult:
    """Translate every Ingress in `resources` and emit the Istio objects."""
    model = translate(resources, options)
    objects = emit(model, options)
    result = MigrationResult(model=model, objects=objects, resources=resources, options=options)
    result.tls_credentials = served_credentials(model, options)
    if options.verify:
        from kubectl_meshify.verify.attach import attach_verification

        attach_verification(result)
    return result
