"""Series derived from the raw inputs (net liquidity)."""

from __future__ import annotations

import pandas as pd


def net_liquidity(walcl: pd.Series, tga: pd.Series, rrp: pd.Series) -> pd.Series:
    """Net liquidity = Fed total assets - Treasury General Account - overnight reverse repo.

    Parameters
    ----------
    walcl : Fed total assets (FRED WALCL), $ millions, weekly (Wednesday)
    tga : Treasury General Account (FRED WTREGEN), $ millions, weekly (Wednesday)
    rrp : overnight reverse repo (FRED RRPONTSYD), $ billions, daily

    Returns
    -------
    Series in $ millions on WALCL's Wednesday dates. RRP is taken as its last value on or
    before each Wednesday (RRP has no rows on days it was zero/missing in early years).
    """
    frame = pd.concat({"walcl": walcl, "tga": tga}, axis=1, join="inner").dropna()
    rrp_on = rrp.sort_index().reindex(frame.index, method="ffill").fillna(0.0)
    out = frame["walcl"] - frame["tga"] - 1000.0 * rrp_on
    out.name = "NETLIQ"
    return out
