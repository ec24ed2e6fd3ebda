"""cert-manager annotation families: keys under `cert-manager.io/` and `acme.cert-manager.io/` (and the
legacy `kubernetes.io/tls-acme`), read by cert-manager's ingress-shim on Ingresses of every class."""
