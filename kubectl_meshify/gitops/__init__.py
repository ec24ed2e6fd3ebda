"""GitOps mode (`file --out-dir/--in-place`): the input files rewritten with each Ingress replaced by its
Istio documents, every other document kept byte for byte, and the Ingress's comments carried over."""
