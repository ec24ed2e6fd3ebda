"""Where Kubernetes objects come from: manifest files (files.py, with the files of a walk that are not
manifests in skipped_inputs.py); a live cluster is read by cluster/source.py."""
