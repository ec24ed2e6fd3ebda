"""Emitters: the mesh model → manifests."""
