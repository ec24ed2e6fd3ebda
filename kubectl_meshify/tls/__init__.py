"""TLS certificates where the ingress gateway can read them: credentials, cert-manager Certificates,
the secret copy command and the report sections about them (layout rules in docs/tls.md)."""
