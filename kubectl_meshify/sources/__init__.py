"""Where Kubernetes objects come from: manifest files or a live cluster."""
