"""Random-number plumbing shared by every resampling method: one generator per scheme and
named seed streams.

A seed stream is a :class:`numpy.random.SeedSequence` derived from the configured seed and the
*names* of the family and the test that use it (never an ad-hoc integer), so a test's random
numbers do not change when another test is added, removed or run on another worker.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["rademacher", "seed_stream"]


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
