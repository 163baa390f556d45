"""What a test needs from outside Python (a server, a binary) and how it says so when missing."""

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str):
    """Skip, naming what is missing; under CI (CI=true), where everything is installed, fail."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: it must be there)")
    pytest.skip(reason)
