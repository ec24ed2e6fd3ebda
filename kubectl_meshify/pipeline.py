"""The library entry point: resources + options → converted objects, findings and statuses.

`migrate` is the whole conversion on one page: every stage, in order, one line each, naming the module
that owns it. Before it, a source reads the inputs into a `ResourceSet` (sources/files.py, or
cluster/source.py); after it, the caller writes the stream, the reports (report/), the files (gitops/)
or applies to the cluster (cluster/). docs/architecture.md describes the data between the stages.
"""

from __future__ import annotations

from kubectl_meshify import annotations as families
from kubectl_meshify import gateways, translate
from kubectl_meshify.emit.istio import emit
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.result import MigrationResult
from kubectl_meshify.tls import credentials
from kubectl_meshify.tls.served import served_credentials

__all__ = ["MigrationResult", "migrate"]


def migrate(resources: ResourceSet, options: Options) -> MigrationResult:
    """Translate every Ingress in `resources`, emit the Istio objects, check them, gather the report."""
    model = translate.classify(resources, options)  # a record per Ingress: served, and by which controller
    families.prepare(model, resources, options)  # families read their keys into IngressSettings
    translate.build_routes(model, resources, options)  # hosts merged, a route per path, in order
    credentials.plan(model, resources, options)  # TLS plan: the credential each host serves
    gateways.plan(model, options)  # Gateways and their servers
    translate.plan_subsets(model, resources, options)  # DestinationRule subsets from the workloads
    families.refine(model, resources, options)  # families set route fields, policies, extra objects
    translate.add_redirects(model)  # trailing-slash and HTTP→HTTPS redirects
    gateways.add_wildcard_guards(model, options)  # wildcard routes kept off the hosts they cover
    gateways.bind_single_label_hosts(model, options)  # `foo` hosts bound as `*` + :authority
    translate.finish_statuses(model)  # converted, partial or failed per Ingress
    resources.release_workloads()  # only translation reads them: the check and the writers get the memory
    objects = emit(model, options)  # the Istio manifests
    result = MigrationResult(model=model, objects=objects, resources=resources, options=options)
    result.tls_credentials = served_credentials(model, options)  # report: which Gateway reads each secret
    model.release_routing()  # emitted: the routes live on in `objects`, the records in the model
    if options.verify:  # the behaviour check, imported only when it runs
        from kubectl_meshify.verify.attach import attach_verification

        attach_verification(result)
    return result
