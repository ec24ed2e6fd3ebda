"""Cluster mode (`ns`, `all`): the API connection (kubeconfig, kubeapi), reading what is live (source),
preflight checks, server-side apply and what it may write (apply, apply_scope), completion values from the
cluster (complete), and the run that ties them together (run)."""
