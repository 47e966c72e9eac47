from __future__ import annotations

import pytest

from tsunagu.directory.api.tests.data import Directory, build_directory


@pytest.fixture
def directory(db: None) -> Directory:
    return build_directory()
