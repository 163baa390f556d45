"""What a test does when a tool it needs is missing: skip, naming the tool, on a developer's
machine; fail under CI=true, where .ci/run installs every one (Chromium, Redis, Java, nginx,
gettext, the npm tools), so a green run never hides a test that did not run.

PostgreSQL-only tests are the exception: they skip on the SQLite pass and run on the PostgreSQL
pass, which scripts/ci_postgres.sh refuses to skip under CI=true.
"""

import os
from typing import NoReturn

import pytest

UNDER_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str, *, allow_module_level: bool = False) -> NoReturn:
    """Skip the test for want of a tool (`reason` names it and how to get it); fail under CI."""
    if UNDER_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run installs it, so this must not skip)", False)
    pytest.skip(reason, allow_module_level=allow_module_level)
