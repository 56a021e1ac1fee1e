"""The hedging report's real-data metrics, read from outside the notebook: every test period, option life and cost
holds the same keys, and the numbers obey the identities that tie them together."""
import json
import math
from pathlib import Path

import pytest

METRICS = Path(__file__).resolve().parent.parent / "reports" / "hedging" / "metrics.json"
PERIODS, LIVES, COSTS = ("2013-2022", "2007-2012"), ("21", "63"), ("0", "10", "50")
SUMMARY = {"mean_loss", "std", "cvar95", "mean_cost", "n_windows"}


@pytest.fixture(scope="module")
def real():
    if not METRICS.exists(): pytest.skip("no full hedging report in reports/ yet")
    m = json.loads(METRICS.read_text())
    if m.get("params", {}).get("real_lives") != [21, 63]: pytest.skip("reports/hedging holds a quick run, not the full report")
    return m["real"]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("days", LIVES)
@pytest.mark.parametrize("bp", COSTS)
def test_real_layout(real, period, days, bp):
    r = real[period][days][bp]
    for name, s in r["strategies"].items():
        assert set(s) >= SUMMARY, name
        assert all(math.isfinite(s[k]) for k in SUMMARY), name
        assert s["cvar95"] >= s["mean_loss"] - 1e-12, name              # CVaR of the loss is at least its mean
        assert s["std"] >= 0 and s["n_windows"] >= 1 and s["mean_cost"] >= -1e-12, name
        if bp == "0": assert abs(s["mean_cost"]) < 1e-12, name          # no cost, nothing paid
    best, sel = r["best_classical"], r["selected_hedger"]
    assert best in r["strategies"] and sel in r["strategies"]
    ratio = r["ratio_selected_vs_best_classical"]
    assert set(ratio) == {"est", "lo", "hi"} and ratio["lo"] <= ratio["hi"]
    assert ratio["est"] == pytest.approx(r["strategies"][sel]["cvar95"] / r["strategies"][best]["cvar95"], rel=1e-9)
    ab = r["ablation_ratio"]
    assert set(ab) == {"est", "lo", "hi"} and ab["lo"] <= ab["hi"]
    assert ab["est"] == pytest.approx(r["strategies"][sel]["cvar95"] / r["strategies"][f"{sel}, regime inputs averaged"]["cvar95"], rel=1e-9)
    assert 0.0 <= r["reality_check_p"] <= 1.0
    assert r["strategies"]["no hedge"]["n_windows"] == r["strategies"][best]["n_windows"]   # every strategy on the same windows
