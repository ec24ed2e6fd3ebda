"""ingress-nginx annotation families (prefix `nginx.ingress.kubernetes.io/` by default)."""
