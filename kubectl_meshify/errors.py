"""User-facing errors and exit codes. Library code raises; only the CLI exits."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # an Ingress failed, or --strict tripped
    USAGE = 2  # usage error, unreadable/invalid input, cluster unreachable


class MeshifyError(Exception):
    """An error with a message meant for the user; the CLI prints it and exits 2."""

    exit_code = ExitCode.USAGE


class InputError(MeshifyError):
    """Input that cannot be read or parsed: the message names file, document and field."""


class UsageError(MeshifyError):
    """Options that do not fit together."""


class ClusterError(MeshifyError):
    """The cluster could not be reached or read."""
