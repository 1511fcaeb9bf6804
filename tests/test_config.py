"""config.toml -> validated Config: every error message of reportgen.config has a test."""

from __future__ import annotations

import datetime as dt

import pytest

from reportgen.config import Config, load_config, parse_config
from reportgen.errors import ConfigError
from tests.conftest import ROOT

TEXT = (ROOT / "config.toml").read_text(encoding="utf-8")



def edit(old: str, new: str, count: int = 1) -> str:
    """The real config text with one small replacement (which must apply)."""
    assert TEXT.count(old) >= count, f"{old!r} not in config.toml"
    return TEXT.replace(old, new, count)


# --------------------------------------------------------------------------- happy path


def test_load_real_config():
    cfg = load_config(ROOT / "config.toml")
    assert isinstance(cfg, Config)
    assert cfg.series_by_role("small_caps")[0].key == "RUT"
    assert cfg.series_by_key("BTC").symbol == "BTC-USD"
    assert cfg.series_by_key("nope") is None
    assert cfg.data.sample_start == dt.date(2014, 9, 17)
    assert cfg.analysis.monthly_lags == (1, 2, 3)
    assert cfg.events.definitions[0].drawdown == 0.10
    assert cfg.path.endswith("config.toml") and len(cfg.sha256) == 64


def test_parse_is_deterministic_and_frozen():
    a, b = parse_config(TEXT), parse_config(TEXT)
    assert a == b and a.sha256 == b.sha256
    with pytest.raises(AttributeError):
        a.analysis.seed = 1  # type: ignore[misc]


def test_int_is_accepted_for_float():
    cfg = parse_config(edit("fetch_backoff_seconds = 2.0", "fetch_backoff_seconds = 2"))
    assert cfg.data.fetch_backoff_seconds == 2.0 and isinstance(cfg.data.fetch_backoff_seconds, float)


def test_bare_toml_date_is_accepted():
    cfg = parse_config(edit('sample_start = "2014-09-17"', "sample_start = 2015-01-02"))
    assert cfg.data.sample_start == dt.date(2015, 1, 2)


def test_optional_sections_have_defaults():
    start = TEXT.index("[volatility]")
    end = TEXT.index("\n[rules]") + 1
    cfg = parse_config(TEXT[:start] + TEXT[end:])
    assert cfg.volatility.etf_date == dt.date(2024, 1, 11)
    assert cfg.selfcheck.simulations == 1000


# --------------------------------------------------------------------------- file-level errors


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file .*nope.toml not found") as info:
        load_config(tmp_path / "nope.toml")
    assert "--config" in info.value.hint
    assert info.value.exit_code == 2


def test_invalid_toml():
    with pytest.raises(ConfigError, match="<string> is not valid TOML"):
        parse_config(edit("alpha = 0.05", "alpha = = 0.05"))


def test_invalid_toml_names_the_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[report\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml is not valid TOML"):
        load_config(p)


# --------------------------------------------------------------------------- keys and types


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[report]", "colour = 1\n[report]", r"unknown key colour; allowed keys: .*analysis"),
        ("seed = 20260121", "sed = 20260121", r"unknown key analysis\.sed; allowed keys: .*seed"),
        ('symbol = "^RUT"', 'symbol = "^RUT"\nticker = "x"', r"unknown key series\[0\]\.ticker"),
        ("drawdown = 0.10", "drawdown = 0.10\ndepth = 1", r"unknown key events\.definitions\[0\]\.depth"),
        ("[data]", "[data]\npath = 'x'", r"unknown key data\.path"),
    ],
)
def test_unknown_keys(old, new, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(edit(old, new))


def test_internal_fields_cannot_be_set():
    with pytest.raises(ConfigError, match="unknown key sha256"):
        parse_config('sha256 = "x"\n' + TEXT)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("seed = 20260121", 'seed = "20260121"', r"analysis\.seed must be an integer, got '20260121'"),
        ("seed = 20260121", "seed = true", r"analysis\.seed must be an integer, got True"),
        ("seed = 20260121", "seed = 1.5", r"analysis\.seed must be an integer, got 1\.5"),
        ("alpha = 0.05", 'alpha = "0.05"', r"rules\.alpha must be a number, got '0\.05'"),
        ("alpha = 0.05", "alpha = false", r"rules\.alpha must be a number, got False"),
        ("required = true", 'required = "yes"', r"series\[0\]\.required must be true/false, got 'yes'"),
        ('output_dir = "output"', "output_dir = 3", r"report\.output_dir must be a string, got 3"),
        ('page_size = "A4"', 'page_size = "A5"', r"report\.page_size must be one of \('A4', 'Letter'\), got 'A5'"),
        ('source = "fred"', 'source = "bloomberg"', r"series\[6\]\.source must be one of \('yfinance', 'fred'\)"),
        ('kind = "high_52w"', 'kind = "low"', r"events\.definitions\[2\]\.kind must be one of"),
        ("monthly_lags = [1, 2, 3]", "monthly_lags = 3", r"analysis\.monthly_lags must be a list of an integer, got 3"),
        ("monthly_lags = [1, 2, 3]", 'monthly_lags = [1, "2"]', r"analysis\.monthly_lags\[1\] must be an integer, got '2'"),
        ('sample_start = "2014-09-17"', 'sample_start = "17/09/2014"', r"data\.sample_start must be a date \(YYYY-MM-DD\), got '17/09/2014'"),
        ('sample_start = "2014-09-17"', "sample_start = 2014-09-17T00:00:00", r"data\.sample_start must be a date"),
        ("drawdown = 0.10", 'drawdown = "ten"', r"events\.definitions\[0\]\.drawdown must be a number, got 'ten'"),
    ],
)
def test_wrong_types(old, new, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(edit(old, new))


def test_section_must_be_a_table():
    start, end = TEXT.index("[data]"), TEXT.index("# key: name used")
    with pytest.raises(ConfigError, match=r"^data must be a table, got 1$"):
        parse_config("data = 1\n" + TEXT[:start] + TEXT[end:])


def test_missing_required_section():
    start, end = TEXT.index("[analysis]"), TEXT.index("[events]")
    with pytest.raises(ConfigError, match=r"missing key analysis \(a table\)"):
        parse_config(TEXT[:start] + TEXT[end:])


def test_missing_title_message():
    text = "\n".join(line for line in TEXT.splitlines() if not line.startswith("title ="))
    with pytest.raises(ConfigError, match=r"missing key report\.title \(a string\)"):
        parse_config(text)


# --------------------------------------------------------------------------- impossible values


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("\nalpha = 0.05\nmin_effect", "\nalpha = 1.5\nmin_effect", r"rules\.alpha must be in \(0, 0\.5\), got 1\.5"),
        ("alpha = 0.05\nmin_effect", "alpha = 0.0\nmin_effect", r"rules\.alpha must be in \(0, 0\.5\), got 0\.0"),
        ("\nalpha = 0.05\nmin_effect", "\nalpha = nan\nmin_effect", r"rules\.alpha must be in \(0, 0\.5\), got nan"),
        ("monthly_lags = [1, 2, 3]", "monthly_lags = []", r"analysis\.monthly_lags must list at least one lag"),
        ("monthly_lags = [1, 2, 3]", "monthly_lags = [0, 1]", r"analysis\.monthly_lags must be whole months in 1\.\.12, got 0"),
        ("monthly_lags = [1, 2, 3]", "monthly_lags = [13]", r"analysis\.monthly_lags must be whole months in 1\.\.12, got 13"),
        ("weekly_max_lag = 13", "weekly_max_lag = 0", r"analysis\.weekly_max_lag must be in 1\.\.26, got 0"),
        ("bootstrap_reps = 1999", "bootstrap_reps = 50", r"analysis\.bootstrap_reps must be in 99\.\.100000, got 50"),
        ("seed = 20260121", "seed = -1", r"analysis\.seed must be in 0\.\.9223372036854775807, got -1"),
        ("irf_horizon = 6", "irf_horizon = 25", r"analysis\.irf_horizon must be in 1\.\.24, got 25"),
        ("rolling_window_months = 48", "rolling_window_months = 6", r"analysis\.rolling_window_months must be in 12\.\.240, got 6"),
        ("n_jobs = 2", "n_jobs = 0", r"analysis\.n_jobs must be in 1\.\.64, got 0"),
        ('sample_start = "2014-09-17"', 'sample_start = "1850-01-01"', r"data\.sample_start is implausible: 1850-01-01"),
        ('sample_start = "2014-09-17"', 'sample_start = "2999-01-01"', r"data\.sample_start 2999-01-01 is in the future"),
        ("stale_after_days = 45", "stale_after_days = 0", r"data\.stale_after_days must be in 1\.\.3650, got 0"),
        ("max_abs_daily_log_return = 0.5", "max_abs_daily_log_return = 0", r"data\.max_abs_daily_log_return must be in \(0, 10\], got 0\.0"),
        ("fetch_retries = 3", "fetch_retries = -1", r"data\.fetch_retries must be in 0\.\.10, got -1"),
        ("fetch_backoff_seconds = 2.0", "fetch_backoff_seconds = -2.0", r"data\.fetch_backoff_seconds must be in \[0, 300\], got -2\.0"),
        ('key = "GSPC"', 'key = "RUT"', r"series keys must be unique; got \['RUT', 'RUT', 'BTC'"),
        ('role = "macro"', 'role = "other"', r"series\.BAA10Y\.role must be one of \('small_caps'.*got 'other'"),
        ('key = "GSPC"', 'key = "S&P"', r"series\[1\]\.key must be 1 to 32 characters from A-Z a-z 0-9 _ -; got 'S&P'"),
        ('role = "small_caps"', 'role = "large_caps"', r"exactly one series must have role 'small_caps' \(the Russell 2000\)"),
        ('role = "large_caps"', 'role = "small_caps"', r"exactly one series must have role 'small_caps'"),
        ("horizons_months = [1, 2, 3]", "horizons_months = []", r"events\.horizons_months must list at least one horizon"),
        ("horizons_months = [1, 2, 3]", "horizons_months = [1, 13]", r"events\.horizons_months must be in 1\.\.12, got 13"),
        ("placebo_draws = 10000", "placebo_draws = 10", r"events\.placebo_draws must be in 999\.\.100000, got 10"),
        ("block_length_days = 21", "block_length_days = 0", r"events\.block_length_days must be in 1\.\.250, got 0"),
        ('name = "ath_after_dd20"', 'name = "ath_after_dd10"', r"events\.definitions names must be unique; got \['ath_after_dd10', 'ath_after_dd10'"),
        ("drawdown = 0.10", "drawdown = 1.2", r"events\.definitions\.ath_after_dd10\.drawdown must be in \(0, 1\), got 1\.2"),
        ("drawdown = 0.10", "", r"events\.definitions\.ath_after_dd10\.drawdown must be in \(0, 1\), got None"),
        ("months_below = 6", "months_below = 61", r"events\.definitions\.high52w_after_6m\.months_below must be in 1\.\.60, got 61"),
        ('kind = "high_52w"\nmonths_below = 6', 'kind = "threshold"\nlevel = -5.0', r"events\.definitions\.high52w_after_6m\.level must be in \(0, 1e\+07\], got -5\.0"),
        ("drawdown_thresholds = [0.20, 0.50]", "drawdown_thresholds = [0.2, 1.0]", r"volatility\.drawdown_thresholds must be in \(0, 1\), got 1\.0"),
        ("simulations = 1000", "simulations = 10", r"selfcheck\.simulations must be in 100\.\.10000, got 10"),
        ("effect_grid = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]", "effect_grid = [1.0]", r"selfcheck\.effect_grid must list at least two effect sizes"),
        ("min_power = 0.80", "min_power = 1.0", r"rules\.min_power must be in \(0, 1\), got 1\.0"),
        ("min_effect_monthly_return = 0.02", "min_effect_monthly_return = 0", r"rules\.min_effect_monthly_return must be in \(0, 1\], got 0\.0"),
        ("min_events = 5", "min_events = 1", r"rules\.min_events must be in 2\.\.1000, got 1"),
    ],
)
def test_impossible_values(old, new, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(edit(old, new))


def test_no_breakout_definitions():
    start = TEXT.index("[[events.definitions]]")
    end = TEXT.index("[volatility]")
    text = TEXT[:start] + "[events.x]\n" + TEXT[end:]
    # [events.x] is an unknown key; without it, an empty definitions list is the error
    with pytest.raises(ConfigError, match=r"unknown key events\.x"):
        parse_config(text)
    text = TEXT[:start].replace("[events]", "[events]\ndefinitions = []") + TEXT[end:]
    with pytest.raises(ConfigError, match="events.definitions must list at least one breakout definition"):
        parse_config(text)


def test_config_error_has_hint_and_exit_code():
    with pytest.raises(ConfigError) as info:
        parse_config(edit("n_jobs = 2", "n_jobs = 0"))
    assert "config.toml" in info.value.hint
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("granger_primary_lag = 3", "granger_primary_lag = 6",
         r"analysis.granger_primary_lag must be one of analysis.monthly_lags \(1, 2, 3\), got 6"),
        ('primary_definition = "ath_after_dd10"', 'primary_definition = "nope"',
         r"events.primary_definition must be one of \('ath_after_dd10', 'ath_after_dd20', 'high52w_after_6m'\), got 'nope'"),
        ('primary_asset = "BTC"', 'primary_asset = "DOGE"', r"events.primary_asset must be one of"),
        ("primary_horizon_months = 3", "primary_horizon_months = 6",
         r"events.primary_horizon_months must be one of events.horizons_months \(1, 2, 3\), got 6"),
    ],
)
def test_primary_tests_must_be_declared_consistently(old, new, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(edit(old, new))


def test_primary_definition_property():
    cfg = parse_config(TEXT)
    assert cfg.events.primary.name == "ath_after_dd10" and cfg.events.primary.drawdown == 0.10


# --------------------------------------------------------------------------- upper bounds (issue 11, item 8)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("bootstrap_reps = 1999", "bootstrap_reps = 1000000000", r"^analysis\.bootstrap_reps must be in 99\.\.100000, got 1000000000$"),
        ("bootstrap_reps = 1999", "bootstrap_reps = 100001", r"analysis\.bootstrap_reps must be in 99\.\.100000, got 100001"),
        ("placebo_draws = 10000", "placebo_draws = 100001", r"events\.placebo_draws must be in 999\.\.100000, got 100001"),
        ("simulations = 1000", "simulations = 10001", r"selfcheck\.simulations must be in 100\.\.10000, got 10001"),
        ("n_jobs = 2", "n_jobs = 65", r"analysis\.n_jobs must be in 1\.\.64, got 65"),
        ("weekly_max_lag = 13", "weekly_max_lag = 27", r"analysis\.weekly_max_lag must be in 1\.\.26, got 27"),
        ("irf_horizon = 6", "irf_horizon = 1000", r"analysis\.irf_horizon must be in 1\.\.24, got 1000"),
        ("rolling_window_months = 48", "rolling_window_months = 241", r"analysis\.rolling_window_months must be in 12\.\.240, got 241"),
        ("stale_after_days = 45", "stale_after_days = 100000", r"data\.stale_after_days must be in 1\.\.3650, got 100000"),
        ("fetch_retries = 3", "fetch_retries = 11", r"data\.fetch_retries must be in 0\.\.10, got 11"),
        ("fetch_backoff_seconds = 2.0", "fetch_backoff_seconds = 1e9", r"data\.fetch_backoff_seconds must be in \[0, 300\], got 1000000000\.0"),
        ("fetch_backoff_seconds = 2.0", "fetch_backoff_seconds = nan", r"data\.fetch_backoff_seconds must be in \[0, 300\], got nan"),
        ("max_abs_daily_log_return = 0.5", "max_abs_daily_log_return = inf", r"data\.max_abs_daily_log_return must be in \(0, 10\], got inf"),
        ("block_length_days = 21", "block_length_days = 251", r"events\.block_length_days must be in 1\.\.250, got 251"),
        ("round_threshold = 2600.0", "round_threshold = inf", r"events\.round_threshold must be in \(0, 1e\+07\], got inf"),
        ("round_threshold = 2600.0", "round_threshold = nan", r"events\.round_threshold must be in \(0, 1e\+07\], got nan"),
        ("min_events = 5", "min_events = 5000", r"rules\.min_events must be in 2\.\.1000, got 5000"),
        ("min_effect_monthly_return = 0.02", "min_effect_monthly_return = inf", r"rules\.min_effect_monthly_return must be in \(0, 1\], got inf"),
        ("effect_grid = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]", "effect_grid = [0.0, 1e300]", r"selfcheck\.effect_grid must be in \[0, 20\], got 1e\+300"),
        ("effect_grid = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]", f"effect_grid = [{', '.join(['1.0'] * 21)}]",
         r"selfcheck\.effect_grid must list at most 20 effect sizes, got 21"),
        ("drawdown_thresholds = [0.20, 0.50]", f"drawdown_thresholds = [{', '.join(['0.5'] * 11)}]",
         r"volatility\.drawdown_thresholds must list at most 10 thresholds"),
        ('title = "', 'title = "' + "x" * 300, r"report\.title must be at most 300 characters, got 3\d\d"),
    ],
)
def test_counts_and_sizes_are_bounded(old, new, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(edit(old, new))


def test_bounds_accept_their_limits():
    cfg = parse_config(edit("bootstrap_reps = 1999", "bootstrap_reps = 100000").replace(
        "placebo_draws = 10000", "placebo_draws = 999").replace("simulations = 1000", "simulations = 10000"))
    assert (cfg.analysis.bootstrap_reps, cfg.events.placebo_draws, cfg.selfcheck.simulations) == (100000, 999, 10000)


def test_too_many_definitions():
    extra = "".join(f'\n[[events.definitions]]\nname = "d{i}"\nkind = "high_52w"\nmonths_below = 6\n' for i in range(18))
    text = edit("[volatility]", extra + "\n[volatility]")
    with pytest.raises(ConfigError, match=r"events\.definitions must list at most 20 definitions, got 21"):
        parse_config(text)


# --------------------------------------------------------------------------- names (issue 11, item 9)


@pytest.mark.parametrize("name", ["$\\frac$", "a b", "x/y", "ä", "$x$", "", "a" * 33, "dd10.5", "<b>", "a\\nb"])
def test_definition_names_are_restricted(name):
    toml_name = name.replace("\\", "\\\\").replace('"', '\\"')
    text = edit('name = "ath_after_dd20"', f'name = "{toml_name}"')
    with pytest.raises(ConfigError, match=r"events\.definitions\[1\]\.name must be 1 to 32 characters from "
                                          r"A-Z a-z 0-9 _ -; got "):
        parse_config(text)


@pytest.mark.parametrize("key", ["$\\frac$", "S&P", "BTC USD", "..", "a" * 33])
def test_series_keys_are_restricted(key):
    toml_key = key.replace("\\", "\\\\")
    with pytest.raises(ConfigError, match=r"series\[1\]\.key must be 1 to 32 characters from A-Z a-z 0-9 _ -; got "):
        parse_config(edit('key = "GSPC"', f'key = "{toml_key}"'))


@pytest.mark.parametrize("symbol", ["../../etc/passwd", ".hidden", "a/b", "$\\frac$", "BTC USD", "A..B"])
def test_symbols_cannot_escape_the_folder(symbol):
    toml_symbol = symbol.replace("\\", "\\\\")
    with pytest.raises(ConfigError, match=r"series\.GSPC\.symbol must be 1 to 32 characters from A-Z a-z 0-9 \^ = \. _ - "
                                          r"\(not starting with a dot\); got "):
        parse_config(edit('symbol = "^GSPC"', f'symbol = "{toml_symbol}"'))


@pytest.mark.parametrize("name", ["ath-after-dd10", "A_1", "x" * 32])
def test_allowed_names_pass(name):
    text = TEXT.replace('"ath_after_dd10"', f'"{name}"')
    cfg = parse_config(text)
    assert cfg.events.definitions[0].name == name and cfg.events.primary_definition == name


def test_real_symbols_pass():
    cfg = parse_config(TEXT)
    assert {s.symbol for s in cfg.series} >= {"^RUT", "BTC-USD", "BAMLH0A0HYM2"}
    parse_config(edit('symbol = "IWM"', 'symbol = "BRK.B"'))
    parse_config(edit('symbol = "IWM"', 'symbol = "EURUSD=X"'))


# --------------------------------------------------------------------------- hints name the file in use


def test_hint_names_the_config_file_in_use(tmp_path):
    p = tmp_path / "other.toml"
    p.write_text(edit("n_jobs = 2", "n_jobs = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"analysis\.n_jobs must be in 1\.\.64, got 0") as info:
        load_config(p)
    assert info.value.hint.startswith(f"fix the key named above in {p} ")
    assert "config.toml (or" not in info.value.hint


def test_toml_error_hint_names_the_file(tmp_path):
    p = tmp_path / "other.toml"
    p.write_text("[report\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="other.toml is not valid TOML") as info:
        load_config(p)
    assert str(p) in info.value.hint


# --------------------------------------------------------------------------- property: never a traceback

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCALAR_LINES = sorted({line.split("=")[0].strip() for line in TEXT.splitlines()
                        if "=" in line and not line.lstrip().startswith(("#", "[")) and line.split("=")[0].strip()})
_TOML_VALUES = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),  # TOML reads inf, -inf, nan, 1e+300
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=40).map(lambda t: '"' + t.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'),
    st.lists(st.integers(min_value=-5, max_value=50), max_size=5).map(str),
    st.sampled_from(['"2014-09-17"', "2015-01-02", '"$\\\\frac$"', "[]", "{}", '"../x"']),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(_SCALAR_LINES), value=_TOML_VALUES)
def test_any_single_value_gives_a_config_or_a_config_error(key, value):
    """Replace the first ``key = ...`` line with an arbitrary TOML value: the result is a
    validated Config or one ConfigError, never another exception."""
    lines = TEXT.splitlines()
    i = next(n for n, line in enumerate(lines) if line.split("=")[0].strip() == key and "=" in line)
    lines[i] = f"{key} = {value}"
    try:
        cfg = parse_config("\n".join(lines))
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert 99 <= cfg.analysis.bootstrap_reps <= 100_000 and cfg.selfcheck.simulations <= 10_000
