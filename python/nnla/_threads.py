"""The package-wide default thread count for native calls.

Native functions take the thread count per call; ``n_threads=None`` resolves to the value set by
:func:`set_num_threads`, else ``OMP_NUM_THREADS``, else the number of cores this process may use.
"""

from __future__ import annotations

import os

from nnla._validate import check_int

__all__ = ["get_num_threads", "resolve_threads", "set_num_threads"]


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


_DEFAULT = _default_threads()
# Upper bound passed to OpenMP: more threads than this is never useful and would exhaust the OS.
_MAX_THREADS = 1024
_setting: int | None = None


def set_num_threads(k: int | None) -> None:
    """Set the default number of threads of nnla's native calls.

    Parameters
    ----------
    k : int or None
        A positive thread count, or None to go back to the default (``OMP_NUM_THREADS`` or the
        number of available cores).

    Raises
    ------
    ValueError
        If ``k`` is not a positive integer (or None).

    Examples
    --------
    >>> import nnla
    >>> nnla.set_num_threads(1)
    >>> nnla.get_num_threads()
    1
    >>> nnla.set_num_threads(None)
    """
    global _setting
    _setting = None if k is None else check_int(k, "k", 1)


def get_num_threads() -> int:
    """Return the default number of threads of nnla's native calls.

    Returns
    -------
    int
        The value set by :func:`set_num_threads`, else ``OMP_NUM_THREADS``, else the core count.

    Examples
    --------
    >>> import nnla
    >>> nnla.get_num_threads() >= 1
    True
    """
    return _DEFAULT if _setting is None else _setting


def resolve_threads(n_threads: int | None) -> int:
    """Thread count for one call: ``n_threads`` or the package default, capped at 1024."""
    if n_threads is None:
        k = _DEFAULT if _setting is None else _setting
    else:
        k = check_int(n_threads, "n_threads", 1)
    return min(k, _MAX_THREADS)
