"""The `kubectl meshify` command line (entry point `kubectl_meshify.cli:main`): one module per command
(file.py, ns.py, all.py; version in app.py), the option declarations they share (options.py), the body
`ns` and `all` share (cluster.py), the cut-over kit's smoke lines and exit code (cutover.py), and
kubectl's plugin completion (completion.py).

The library never imports this package (tests/test_layering.py): the CLI parses, calls the library,
writes and exits.
"""

from kubectl_meshify.cli.all import all_cmd
from kubectl_meshify.cli.app import KubectlCommand, app, main
from kubectl_meshify.cli.file import file_cmd
from kubectl_meshify.cli.ns import ns_cmd

# The commands, in the order --help lists them (after `version`).
app.command("file", cls=KubectlCommand)(file_cmd)
app.command("ns", cls=KubectlCommand)(ns_cmd)
app.command("all", cls=KubectlCommand)(all_cmd)

__all__ = ["app", "main"]
