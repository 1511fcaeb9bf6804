"""Random-number plumbing shared by every resampling method: one generator per scheme and
named seed streams.

A seed stream is a :class:`numpy.random.SeedSequence` derived from the configured seed and the
*names* of the family and the test that use it (never an ad-hoc integer), so a test's random
numbers do not change when another test is added, removed or run on another worker.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = [
    "rademacher",
    "seed_stream",
    "stationary_bootstrap_chain_at",
    "stationary_bootstrap_indices",
    "stationary_bootstrap_indices_from",
    "stationary_bootstrap_indices_reference",
]


def _name_key(name: str) -> int:
    """A stable 32-bit integer for a name (SHA-256 prefix; Python's ``hash`` is salted)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")


def seed_stream(seed: int, family: str, test: str = "") -> np.random.SeedSequence:
    """The named seed stream of ``test`` in ``family``.

    Parameters
    ----------
    seed : the configured seed (``analysis.seed``)
    family : e.g. ``"leadlag"``, ``"selfcheck"``, ``"credit_beta"``
    test : e.g. ``"granger_RUT_BTC_m_l3"``; ``""`` for the family's own stream

    Returns
    -------
    numpy.random.SeedSequence
        ``SeedSequence([seed, key(family), key(test)])``: the same names always give the
        same stream, whichever process or worker draws from it.
    """
    return np.random.SeedSequence([int(seed), _name_key(family), _name_key(test)])


def rademacher(rng: np.random.Generator, size) -> np.ndarray:
    """Rademacher draws (+1/-1 with probability 1/2 each), the wild bootstrap's multipliers.

    References
    ----------
    Davidson, R. and Flachaire, E. (2008). The wild bootstrap, tamed at last. J.
    Econometrics 146, 162-169.
    """
    return 2.0 * rng.integers(0, 2, size=size) - 1.0


def stationary_bootstrap_indices_from(start: np.ndarray, restart: np.ndarray) -> np.ndarray:
    """Stationary-bootstrap index paths from given draws, vectorised over the paths.

    Parameters
    ----------
    start : int array (..., n), a uniform position in ``0..n-1`` for every step
    restart : bool array (..., n), whether a new block starts at the step (ignored at step 0,
        where every path starts a block)

    Returns
    -------
    int array (..., n): ``start`` where a block starts, else the previous index + 1 (mod n)
    (:func:`stationary_bootstrap_indices_reference` is the plain loop).
    """
    n = start.shape[-1]
    t = np.arange(n)
    last = np.where(restart, t, 0)  # step 0 gives 0 whatever restart says: every path starts a block
    np.maximum.accumulate(last, axis=-1, out=last)  # the step where the current block started
    if last.size:  # start[..., last] by flat positions: 3x faster than take_along_axis
        out = np.take(start, last + (np.arange(last.size // n) * n).reshape(last.shape[:-1] + (1,)))
    else:
        out = np.take_along_axis(start, last, axis=-1)
    out += t
    out -= last
    np.subtract(out, n, out=out, where=out >= n)  # wrap around (< 2n before): cheaper than % n
    return out


def stationary_bootstrap_indices(n: int, size: int, block_length: float, rng: np.random.Generator) -> np.ndarray:
    """Index paths of the stationary bootstrap (Politis and Romano 1994), all paths at once.

    Parameters
    ----------
    n : length of the series (and of each path)
    size : number of paths
    block_length : mean block length ``L`` (restart probability ``1/L``)
    rng : numpy Generator

    Returns
    -------
    int array (size, n): path ``b`` reads ``x[idx[b]]``; blocks wrap around the end.

    Notes
    -----
    The chain starts at a uniform position, moves ``i -> i + 1 (mod n)`` and restarts at a
    uniform position with probability ``1/L`` at each step. :func:`stationary_bootstrap_chain_at`
    draws the same chain only at chosen steps.

    References
    ----------
    Politis, D. N. and Romano, J. P. (1994). The stationary bootstrap. JASA 89, 1303-1313.
    """
    if not block_length >= 1:
        raise ValueError(f"block_length must be >= 1, got {block_length}")
    start = rng.integers(0, n, size=(size, n))
    restart = rng.random((size, n)) < 1.0 / block_length
    return stationary_bootstrap_indices_from(start, restart)


def stationary_bootstrap_indices_reference(start: np.ndarray, restart: np.ndarray) -> np.ndarray:
    """Reference for :func:`stationary_bootstrap_indices` given its uniform draws: a plain loop."""
    size, n = start.shape
    out = np.empty((size, n), dtype=np.int64)
    for b in range(size):
        for t in range(n):
            out[b, t] = start[b, t] if (t == 0 or restart[b, t]) else (out[b, t - 1] + 1) % n
    return out


def stationary_bootstrap_chain_at(steps: np.ndarray, n: int, size: int, block_length: float,
                                  rng: np.random.Generator) -> np.ndarray:
    """The stationary-bootstrap index chain of :func:`stationary_bootstrap_indices`, drawn
    only at the sorted ``steps`` (exactly, without simulating the steps in between).

    Parameters
    ----------
    steps : strictly increasing int array (m,), e.g. event days (only their gaps matter)
    n : positions ``0..n-1`` the chain moves on (wrapping around)
    size : number of chains
    block_length : mean block length ``L`` (restart probability ``p = 1/L``)
    rng : numpy Generator

    Returns
    -------
    int array (size, m)

    Notes
    -----
    Over a gap of ``g`` steps the chain continues without a restart with probability
    ``(1 - p)^g`` and then sits ``g`` positions further on; after any restart its position
    is uniform whatever else happened. The draws are ``size x m`` uniform positions, then
    ``size x m`` uniforms (this order is part of the reproducibility contract of the
    placebo dates in :func:`reportgen.analysis.event_study.placebo_positions`).
    """
    if not block_length >= 1:
        raise ValueError(f"block_length must be >= 1, got {block_length}")
    e = np.asarray(steps, dtype=np.int64)
    p = 1.0 / block_length
    fresh = rng.integers(0, n, size=(size, e.size))
    u = rng.random((size, e.size))
    out = np.empty((size, e.size), dtype=np.int64)
    out[:, 0] = fresh[:, 0]
    for k in range(1, e.size):
        gap = int(e[k] - e[k - 1])
        keep = u[:, k] < (1.0 - p) ** gap
        out[:, k] = np.where(keep, (out[:, k - 1] + gap) % n, fresh[:, k])
    return out
