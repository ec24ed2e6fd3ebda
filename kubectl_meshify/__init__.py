"""kubectl-meshify: convert Kubernetes Ingresses into equivalent Istio configuration."""

__version__ = "0.1.0"
