"""Shared test infrastructure.

The mpmath references, condition numbers, error measures and seeded matrix generators of the
matrix-function tests are in ``tests/references.py``: a plain module (pytest puts ``tests/`` on
``sys.path``; a conftest cannot be imported by name), used by the tests and by the case catalogues
``expm_cases.py`` and ``logm_cases.py`` as ``from references import mp_expm, rel_err, ...``. The
harness that checks every batched function (batched == one at a time, thread counts, dtypes,
empty batches, memory layouts) is ``tests/test_batched.py``. This file holds the fixtures the
test modules share.
"""

from __future__ import annotations

from collections.abc import Iterator

import nnla
import pytest


@pytest.fixture
def reset_threads() -> Iterator[None]:
    """Restore the package default thread count after a test that changes it."""
    yield
    nnla.set_num_threads(None)
