"""A fake Kubernetes API server for the cluster tests, run as a separate process (`python -m fakeapi`)."""
