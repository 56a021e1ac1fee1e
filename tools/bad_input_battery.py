"""A battery of malformed calls against the public functions of regime_lab.hmm, regimes, losses, portfolio,
backtest and the pure option math of hedging. Each call takes one valid call and spoils one argument (NaN, inf,
a wrong shape or dtype, None, an empty array, a negative size, unnormalised probabilities, an indefinite
covariance, returns below -1, unsorted or duplicated dates); the outcome is one of

- named:   `ValueError`/`TypeError` whose message names an argument of the call in backticks
- unnamed: any other exception, or a message that names no argument
- nan:     no exception, and the output holds NaN (a silent NaN)
- answer:  no exception, and a finite output (a silent answer)

Run `python tools/bad_input_battery.py` to print the shares; `tests/test_fuzz.py` asserts them."""
from __future__ import annotations

import math
import re
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import torch

from regime_lab import backtest as bt, hedging as hg, hmm, losses as ls, portfolio as pf, regimes as rg

OMIT = object()   # "leave the argument out"


def _spoil(kind: str, x):
    "Malformed versions of a valid argument `x` of a given kind: [(label, value)]."
    if kind in ("int", "int0"):
        return [("zero" if kind == "int" else "negative", 0 if kind == "int" else -1), ("negative", -2), ("float", 2.5),
                ("nan", math.nan), ("str", "3"), ("none", None), ("bool", True)]
    if kind.endswith("?"):                              # optional: None is valid
        return [(l, v) for l, v in _spoil(kind[:-1], x) if l != "none"]
    if kind == "nonneg":                                # a finite number >= 0
        return [("negative", -1.0), ("nan", math.nan), ("inf", math.inf), ("str", "x"), ("none", None)]
    if kind == "nonzero":                               # a finite number != 0
        return [("zero", 0.0), ("nan", math.nan), ("inf", math.inf), ("str", "x"), ("none", None)]
    if kind == "rebalance":
        return [("unknown alias", "bogus"), ("zero", 0), ("negative", -1), ("float", 2.5)]
    if kind in ("bcast", "bcast_pos"):                  # numbers or arrays that broadcast
        out = [("nan", x * math.nan), ("inf", x * math.inf), ("strings", np.full(tuple(x.shape), "a")), ("none", None)]
        return out + ([("negative", -x), ("zero", x * 0)] if kind == "bcast_pos" else [])
    if kind == "pos":                                   # a finite number > 0
        return [("zero", 0.0), ("negative", -1.0), ("nan", math.nan), ("inf", math.inf), ("str", "x"), ("none", None)]
    if kind == "real":                                  # any finite number
        return [("nan", math.nan), ("inf", math.inf), ("str", "x"), ("none", None)]
    if kind == "frac":                                  # a number in (0, 1)
        return [("negative", -0.1), ("above one", 1.5), ("nan", math.nan), ("str", "x"), ("none", None)]
    if kind == "choice":
        return [("unknown", "bogus"), ("none", None), ("int", 3)]
    if kind in ("frame", "wframe"):                     # dated DataFrame/Series of simple returns (of weights)
        out = [("nan", x.mask(np.eye(*x.shape, dtype=bool) if x.ndim == 2 else (np.arange(len(x)) == 1))),
               ("inf", x * np.inf), ("below -1", x - 3.0) if kind == "frame" else ("object", x.astype(object).where(x < 0, "a")), ("unsorted dates", x.iloc[::-1]),
               ("duplicated dates", pd.concat([x.iloc[:1], x])), ("no DatetimeIndex", x.reset_index(drop=True)),
               ("empty", x.iloc[:0]), ("strings", x.astype(str) + "a"), ("none", None), ("numpy", x.to_numpy())]
        return out
    if kind == "lengths":
        return [("float", x.float()), ("zero", x * 0), ("too long", x + 100), ("wrong shape", x[:1]), ("list", x.tolist()),
                ("negative", -x), ("extra axes", x[None])]
    is_t = isinstance(x, torch.Tensor)
    nanx = x.clone() if is_t else np.array(x, dtype=float)
    nanx.reshape(-1)[0] = math.nan
    infx = x.clone() if is_t else np.array(x, dtype=float)
    infx.reshape(-1)[1 if np.prod(infx.shape) > 1 else 0] = math.inf
    out = [("nan", nanx), ("inf", infx), ("none", None), ("empty", x[:0]), ("extra axes", x[None, None]),
           ("strings", np.full(x.shape, "a"))]
    if x.ndim >= 1 and x.shape[-1] > 1: out.append(("last axis cut", x[..., :-1]))
    if is_t and kind not in ("cov", "conv"): out += [("integer dtype", x.long()), ("numpy", x.numpy())]
    if kind in ("free", "conv", "scores"):            # any leading shape, any width is valid
        out = [(l, v) for l, v in out if l not in ("last axis cut",) + (("extra axes",) if kind == "scores" else ())]
    if kind in ("probs", "transmat", "logp"):
        out += [("unnormalised", x * 2 if kind != "logp" else x + 1.0), ("negative", -x if kind != "logp" else x)]
        if kind == "logp": out[-1] = ("all -inf row", torch.full_like(x, -math.inf))
    if kind == "transmat": out += [("not square", x[..., :1, :])]
    if kind == "cov":
        out += [("indefinite", -x), ("asymmetric", x + (torch.triu(torch.ones_like(x), 1) if is_t else np.triu(np.ones_like(x), 1)))]
    if kind == "returns": out += [("below -1", x - 3.0)]
    if kind in ("labels", "path"):
        out = [(l, v) for l, v in out if l != "inf"] + [("fractional", x + 0.5)]
        if kind == "labels": out += [("out of range", x + 10)]
        else: out = [(l, v) for l, v in out if l != "last axis cut"]
    if kind == "pos_array": out += [("negative", -x), ("zero", x * 0)]
    return out


def _outcome(f, args: dict, names) -> str:
    "Call `f(**args)` and classify it."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = f(**{k: v for k, v in args.items() if v is not OMIT})
    except (ValueError, TypeError) as e:
        msg = str(e)
        return "named" if any(f"`{n}" in msg for n in names) else "unnamed"
    except Exception:
        return "unnamed"
    return "nan" if _has_nan(out) else "answer"


def _has_nan(out) -> bool:
    "Whether any tensor, array or number inside `out` holds NaN."
    if isinstance(out, torch.Tensor): return bool(torch.isnan(out.detach().double()).any()) if out.is_floating_point() else False
    if isinstance(out, (pd.Series, pd.DataFrame)): out = out.select_dtypes("number").to_numpy() if isinstance(out, pd.DataFrame) else (out.to_numpy() if np.issubdtype(out.dtype, np.number) else np.zeros(0))
    if isinstance(out, np.ndarray): return bool(np.isnan(out.astype(float)).any()) if out.dtype.kind in "fc" else False
    if isinstance(out, float): return math.isnan(out)
    if isinstance(out, (tuple, list)): return any(_has_nan(o) for o in out)
    if isinstance(out, dict): return any(_has_nan(o) for o in out.values())
    if hasattr(out, "__dict__"): return any(_has_nan(v) for v in vars(out).values() if not callable(v))
    return False


def _cases():
    "(label, function, valid kwargs, {argument: kind}) for every public function covered."
    g = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    T64 = dict(dtype=torch.float64)
    # --- hmm
    lp = torch.log_softmax(torch.randn(3, generator=g, **T64), -1)
    lA = torch.log_softmax(torch.randn(3, 3, generator=g, **T64), -1)
    lb = torch.randn(2, 4, 3, generator=g, **T64)
    L = torch.tensor([4, 2])
    lq = torch.log_softmax(torch.randn(2, 4, 3, generator=g, **T64), -1)
    H = dict(log_pi="logp", log_A="logp", log_b="tensor", lengths="lengths")
    cases = [(f"hmm.{f.__name__}", f, dict(log_pi=lp, log_A=lA, log_b=lb, lengths=L), H)
             for f in (hmm.forward, hmm.hmm_log_likelihood, hmm.forward_filter, hmm.backward, hmm.forward_backward,
                       hmm.viterbi, hmm.pairwise_marginals, hmm.exact_elbo, hmm.parallel_log_likelihood)]
    cases.append(("hmm.mean_field_elbo", hmm.mean_field_elbo, dict(log_q=lq, log_pi=lp, log_A=lA, log_b=lb, lengths=L), dict(log_q="logp", **H)))
    P = rng.dirichlet(np.ones(3), 20)
    A = rng.dirichlet(np.ones(3) * 0.3, 3) * 0.5 + np.eye(3) * 0.5
    Sg = np.stack([np.diag([1e-4, 2e-4]) + 5e-5 for _ in range(3)])
    cases += [
        ("hmm.check_probabilities", lambda p: hmm.check_probabilities(p, "p"), dict(p=P), dict(p="probs")),
        ("hmm.check_transition_matrix", lambda A: hmm.check_transition_matrix(A, "A"), dict(A=A), dict(A="transmat")),
        ("hmm.check_covariance", lambda C: hmm.check_covariance(C, "C"), dict(C=Sg[0]), dict(C="cov")),
        ("hmm.check_simple_returns", lambda r: hmm.check_simple_returns(r, "r"), dict(r=rng.normal(0, .01, 5)), dict(r="returns")),
        ("hmm.check_number", lambda v: hmm.check_number(v, "v", 0, 1, strict=True), dict(v=0.5), dict(v="frac")),
        ("hmm.check_int", lambda v: hmm.check_int(v, "v", 1), dict(v=3), dict(v="int")),
    ]
    # --- regimes
    z = rng.integers(0, 3, 20)
    F = rg.forecast_regimes(P, A, 3)
    Rr = rng.normal(0, 0.01, (20, 2))
    cases += [
        ("regimes.forecast_regimes", rg.forecast_regimes, dict(probs=P, transmat=A, horizon=3), dict(probs="probs", transmat="transmat", horizon="int")),
        ("regimes.persistence_forecast", rg.persistence_forecast, dict(probs=P, horizon=3), dict(probs="probs", horizon="int")),
        ("regimes.change_probability", rg.change_probability, dict(probs=P, transmat=A, horizon=3), dict(probs="probs", transmat="transmat", horizon="int")),
        ("regimes.forecast_log_score", rg.forecast_log_score, dict(forecasts=F, target=z), dict(forecasts="probs", target="labels")),
        ("regimes.regime_change_labels", lambda states, horizon: rg.regime_change_labels(states, horizon)[..., :-3], dict(states=z, horizon=3), dict(states="path", horizon="int")),
        ("regimes.sample_regimes", rg.sample_regimes, dict(transmat=A, n_steps=30, seed=0), dict(transmat="transmat", n_steps="int")),
        ("regimes.run_lengths", rg.run_lengths, dict(states=z), dict(states="path")),
        ("regimes.stationary_distribution", rg.stationary_distribution, dict(transmat=A), dict(transmat="transmat")),
        ("regimes.regime_certainty", rg.regime_certainty, dict(probs=P, method="entropy"), dict(probs="probs", method="choice")),
        ("regimes.confidence_based_sizing", rg.confidence_based_sizing, dict(weights=np.array([0.4, 0.6]), probs=P, floor=0.2),
         dict(weights="free", probs="probs", floor="frac")),
        ("regimes.apply_temperature", rg.apply_temperature, dict(probs=P, temperature=2.0), dict(probs="probs", temperature="pos")),
        ("regimes.regime_nll", rg.regime_nll, dict(probs=P, target=z), dict(probs="probs", target="labels")),
        ("regimes.reliability_table", rg.reliability_table, dict(probs=P, labels=z, n_bins=5), dict(probs="probs", labels="labels", n_bins="int")),
        ("regimes.expected_calibration_error", rg.expected_calibration_error, dict(probs=P, labels=z, n_bins=5),
         dict(probs="probs", labels="labels", n_bins="int")),
        ("regimes.estimate_regime_covariance", rg.estimate_regime_covariance, dict(returns=Rr, probs=P), dict(returns="free", probs="probs")),
        ("regimes.optimize_leverage", rg.optimize_leverage,
         dict(weights=np.array([0.5, 0.5]), probs=P, regime_covs=Sg, target_vol=0.1, max_leverage=2.0,
              regime_means=np.full((3, 2), 1e-4), transmat=A, periods_per_year=252),
         dict(weights="array", probs="probs", regime_covs="cov", target_vol="pos", max_leverage="pos", regime_means="array?",
              transmat="transmat?", periods_per_year="pos")),
        ("regimes.optimize_rebalancing_frequency", rg.optimize_rebalancing_frequency,
         dict(regime_weights=np.array([[0.5, 0.5], [0.8, 0.2], [0.2, 0.8]]), regime_means=np.full((3, 2), 1e-4), transmat=A,
              cost_bps=10.0, regime_covs=Sg),
         dict(regime_weights="array", regime_means="array", transmat="transmat", cost_bps="nonneg", regime_covs="cov?")),
        ("regimes.binary_scores", rg.binary_scores, dict(y=(z > 0).astype(float), p=P[:, 0], threshold=0.5, base_rate=0.4),
         dict(y="labels", p="array", threshold="frac", base_rate="frac")),
        ("regimes.RegimePersistenceModel.fit", lambda transmat: rg.RegimePersistenceModel(50).fit(transmat), dict(transmat=A), dict(transmat="transmat")),
        ("regimes.TemperatureScaling.fit", lambda probs, target: rg.TemperatureScaling().fit(probs, target), dict(probs=P, target=z),
         dict(probs="probs", target="labels")),
        ("regimes.RegimeFactorModel.fit", lambda returns, factors, probs: rg.RegimeFactorModel().fit(returns, factors, probs),
         dict(returns=Rr, factors=rng.normal(0, 0.01, (20, 1)), probs=P), dict(returns="free", factors="free", probs="probs")),
    ]
    # --- losses
    W = torch.softmax(torch.randn(2, 5, 3, generator=g, **T64), -1)
    R = 0.01 * torch.randn(2, 5, 3, generator=g, **T64)
    L5 = torch.tensor([5, 3])
    RP = torch.softmax(torch.randn(2, 5, 2, generator=g, **T64), -1)
    RC = torch.stack([torch.eye(3, **T64) * 1e-4 + 2e-5, torch.eye(3, **T64) * 4e-4 + 1e-4])
    RM = torch.full((2, 3), 1e-4, **T64)
    TM = torch.tensor([[0.9, 0.1], [0.2, 0.8]], **T64)
    base = dict(weights=W, returns=R, lengths=L5)
    K_ = dict(weights="tensor", returns="returns", lengths="lengths")
    for f in (ls.portfolio_returns, ls.turnover, ls.sharpe_loss, ls.sortino_loss, ls.max_drawdown_loss, ls.calmar_loss,
              ls.cvar_loss, ls.risk_parity_loss, ls.advanced_portfolio_loss):
        cases.append((f"losses.{f.__name__}", f, base, K_))
    cases += [
        ("losses.sharpe_loss(kw)", ls.sharpe_loss, dict(base, cost=0.001, risk_free=0.0, periods_per_year=252),
         dict(cost="nonneg", risk_free="real", periods_per_year="pos")),
        ("losses.cvar_loss(alpha)", ls.cvar_loss, dict(base, alpha=0.9), dict(alpha="frac")),
        ("losses.risk_parity_loss(cov)", ls.risk_parity_loss, dict(weights=W[:, 0], cov=RC[0]), dict(weights="tensor", cov="conv")),
        ("losses.regime_conditional_loss", ls.regime_conditional_loss,
         dict(weights=W[:, :, :3], regime_probs=RP, regime_covs=RC, regime_means=RM, lengths=L5, risk_aversion=2.0),
         dict(weights="tensor", regime_probs="probs", regime_covs="cov", regime_means="conv?", lengths="lengths", risk_aversion="nonneg")),
        ("losses.adversarial_portfolio_loss", ls.adversarial_portfolio_loss,
         dict(weights=W, regime_probs=RP, regime_covs=RC, radius=0.1), dict(weights="tensor", regime_probs="probs", regime_covs="cov", radius="frac")),
        ("losses.transition_aware_loss", ls.transition_aware_loss,
         dict(weights=W, regime_probs=RP, transmat=TM, regime_covs=RC, horizon=2),
         dict(weights="tensor", regime_probs="probs", transmat="transmat", regime_covs="cov", horizon="int0")),
        ("losses.worst_case_regime_probs", ls.worst_case_regime_probs, dict(regime_losses=RP[:, 0] * 3, regime_probs=RP[:, 0], radius=0.2),
         dict(regime_losses="tensor", regime_probs="probs", radius="frac")),
        ("losses.forecast_regime_probs", ls.forecast_regime_probs, dict(regime_probs=RP, transmat=TM, horizon=2),
         dict(regime_probs="probs", transmat="transmat", horizon="int0")),
    ]
    # --- portfolio
    cons = pf.PortfolioConstraints(3)
    torch.manual_seed(0)
    att = pf.AttentionPortfolioOptimizer(2, 3, hidden_dim=8, n_heads=2)
    cases += [
        ("portfolio.project_weights", pf.project_weights, dict(scores=torch.randn(4, 3, generator=g, **T64), constraints=cons), dict(scores="scores")),
        ("portfolio.PortfolioConstraints", pf.PortfolioConstraints, dict(n_assets=3, lower=0.0, upper=0.8, net_exposure=1.0, max_leverage=1.5),
         dict(n_assets="int", lower="real?", upper="real?", net_exposure="real", max_leverage="pos?")),
        ("portfolio.synthetic_regime_probs", pf.synthetic_regime_probs, dict(batch_size=2, n_steps=5, K=3, persistence=0.9, seed=0),
         dict(batch_size="int", n_steps="int", K="int", persistence="frac")),
        ("portfolio.AttentionPortfolioOptimizer.forward", lambda regime_probs, lengths: att(regime_probs, lengths=lengths),
         dict(regime_probs=RP.float(), lengths=L5), dict(regime_probs="probs", lengths="lengths")),
        ("portfolio.AttentionPortfolioOptimizer", pf.AttentionPortfolioOptimizer, dict(K=2, n_assets=3, hidden_dim=8, n_heads=2),
         dict(K="int", n_assets="int", hidden_dim="int", n_heads="int")),
    ]
    # --- backtest
    idx = pd.bdate_range("2020-01-01", periods=30)
    Rdf = pd.DataFrame(rng.normal(0, 0.01, (30, 2)), index=idx, columns=["a", "b"])
    Wdf = pd.DataFrame(0.5, index=idx[::5], columns=["a", "b"])
    rs = Rdf["a"]
    cases += [
        ("backtest.backtest", bt.backtest, dict(weights=Wdf, returns=Rdf, cost_bps=10.0, rebalance=None),
         dict(weights="wframe", returns="frame", cost_bps="nonneg", rebalance="rebalance")),
        ("backtest.performance_metrics", bt.performance_metrics, dict(returns=rs, risk_free=0.0, periods_per_year=252, cvar_beta=0.95),
         dict(returns="frame", risk_free="real?", periods_per_year="int", cvar_beta="frac")),
        ("backtest.rebalance_schedule", bt.rebalance_schedule, dict(dates=idx, rebalance="M"), dict(rebalance="rebalance")),
        ("backtest.rolling_target_weights", bt.rolling_target_weights,
         dict(returns=Rdf, rule=lambda w: np.ones(w.shape[1]) / w.shape[1], train_window=10, rebalance=5),
         dict(returns="frame", train_window="int")),
    ]
    # --- hedging: the pure option math
    S = torch.tensor([90.0, 100.0, 110.0], **T64)
    for f in (hg.bs_price, hg.bs_delta, hg.bs_gamma, hg.bs_vega):
        cases.append((f"hedging.{f.__name__}", f, dict(spot=S, strike=100.0, time_to_expiry=0.25, sigma=0.2, rate=0.01),
                      dict(spot="bcast_pos", strike="pos", time_to_expiry="nonneg", sigma="pos", rate="real")))
    cases += [
        ("hedging.leland_volatility", hg.leland_volatility, dict(sigma=0.2, cost_bps=10.0, dt=1 / 252), dict(sigma="pos", cost_bps="nonneg", dt="pos")),
        ("hedging.whalley_wilmott_band", hg.whalley_wilmott_band, dict(gamma=torch.tensor([0.02, 0.03], **T64), spot=100.0, cost_bps=10.0, risk_aversion=1.0),
         dict(gamma="bcast", spot="pos", cost_bps="nonneg", risk_aversion="pos")),
        ("hedging.minimum_variance_hedge_ratio", hg.minimum_variance_hedge_ratio,
         dict(spot_returns=Rr[:, 0], futures_returns=Rr[:, 1] + 0.5 * Rr[:, 0], regime_probs=P),
         dict(spot_returns="array", futures_returns="array", regime_probs="probs?")),
        ("hedging.optimal_hedge_frequency", hg.optimal_hedge_frequency, dict(sigma=0.2, cost_bps=10.0, gamma=0.02, spot=100.0, risk_aversion=1.0),
         dict(sigma="pos", cost_bps="pos", gamma="nonzero", spot="pos", risk_aversion="pos")),
        ("hedging.effective_volatility", hg.effective_volatility,
         dict(regime_probs=RP[:, 0], transmat=TM, regime_vols=torch.tensor([0.1, 0.3], **T64), n_steps=10),
         dict(regime_probs="probs", transmat="transmat", regime_vols="bcast_pos", n_steps="int")),
        ("hedging.delta_hedge_loss", hg.delta_hedge_loss, dict(pnl=torch.randn(50, generator=g, **T64), alpha=0.9),
         dict(pnl="free", alpha="frac")),
        ("hedging.simulate_gbm", hg.simulate_gbm, dict(n_paths=4, n_steps=5, s0=100.0, sigma=0.2, seed=0),
         dict(n_paths="int", n_steps="int", s0="pos", sigma="pos")),
    ]
    return cases


_LIVE_SPOILS = {
    "tril": lambda x: [("zero diagonal", x - torch.diag_embed(torch.diagonal(x, dim1=-2, dim2=-1))),
                       ("negative diagonal", x - 2 * torch.diag_embed(torch.diagonal(x, dim1=-2, dim2=-1)))],
    "batches": lambda x: [("empty", []), ("none", None)],
    "clip": lambda x: [("zero", 0.0), ("negative", -1.0), ("nan", math.nan), ("str", "x"), ("none", None)],
    "xframe": lambda x: [("nan", x.mask(np.eye(*x.shape, dtype=bool))), ("inf", x * np.inf), ("permuted columns", x[x.columns[::-1]]),
                         ("renamed", x.set_axis(["p", "q"], axis=1)), ("unsorted dates", x.iloc[::-1]), ("strings", x.astype(str) + "a")],
    "xframe?": lambda x: [(l, v) for l, v in _LIVE_SPOILS["xframe"](x)] + [("omitted", OMIT)],
    "row": lambda x: [("nan", x.where(x.index != x.index[0])), ("inf", x * np.inf), ("permuted", x[x.index[::-1]]),
                      ("renamed", x.set_axis(["p", "q"])), ("earlier date", x.rename(x.name - pd.Timedelta(days=30))),
                      ("wrong width", np.zeros(3)), ("strings", np.array(["a", "b"])), ("none", None)],
    "mask": lambda x: [("wrong shape", x[:1]), ("not bool", x.astype(float)), ("a row allows nothing", x & np.array([[True], [False]])),
                       ("none of it", np.zeros_like(x))],
    "nonfinite": lambda x: [("nan", x.masked_fill(torch.eye(*x.shape, dtype=torch.bool), math.nan)), ("inf", x * math.inf)],
    "flag": lambda x: [("str", "yes"), ("int", 2), ("none", None), ("nan", math.nan)],
}


def _live_cases():
    "The regime model's calls of issue 23: emissions, the VAE-HMM's settings and loss, train_model, RegimeModel, the filter state."
    from regime_lab.vae_hmm import RegimeModel, VAE_HMM, train_model
    g = torch.Generator().manual_seed(1)
    T64 = dict(dtype=torch.float64)
    S = torch.tensor([[1.0, 0.3], [0.3, 2.0]], **T64)
    Lc = torch.linalg.cholesky(S).expand(3, 2, 2).clone()
    rng = np.random.default_rng(1)
    z = np.repeat(rng.integers(0, 2, 12), 25)
    X = pd.DataFrame(np.array([[0.0, 0.0], [2.0, -1.0]])[z] + rng.standard_normal((300, 2)), columns=["a", "b"],
                     index=pd.bdate_range("2003-01-01", periods=300))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st = RegimeModel(2, emission="gaussian", n_restarts=1, epochs=0).fit(X)
        lag = RegimeModel(2, emission="gaussian", inputs="lagged", n_restarts=1, epochs=0).fit(X)
    state = st.filter_state(X.iloc[:200])
    m = VAE_HMM(2, 0, K=2, elbo="mean_field")
    xb = torch.randn(2, 2, 12, generator=g)
    batches = [(xb, None, torch.tensor([12, 12]))]
    fit_rm = lambda transmat_mask=None, allow_missing=False: RegimeModel(2, emission="gaussian", n_restarts=1, epochs=0, transmat_mask=transmat_mask,
                                                                          allow_missing=allow_missing).fit(X)
    return [
        ("hmm.mvn_log_prob_tril", hmm.mvn_log_prob_tril, dict(diff=torch.randn(4, 3, 2, generator=g, **T64), L=Lc), dict(L="tril")),
        ("hmm.mvn_log_prob_missing", hmm.mvn_log_prob_missing, dict(diff=torch.randn(4, 3, 2, generator=g, **T64), L=Lc), dict(L="tril")),
        ("hmm.gaussian_log_b", hmm.gaussian_log_b, dict(Z=torch.randn(6, 2, generator=g, **T64), means=torch.randn(1, 3, 2, generator=g, **T64),
                                                       covs=S.expand(1, 3, 2, 2).clone()), dict(Z="nonfinite")),
        ("vae_hmm.VAE_HMM", lambda K=2, hidden_dim=8, embed_dim=4, kernel_size=3: VAE_HMM(2, 0, K=K, hidden_dim=hidden_dim, embed_dim=embed_dim,
                                                                                     kernel_size=kernel_size, elbo="mean_field"),
         dict(K=2, hidden_dim=8, embed_dim=4, kernel_size=3), dict(K="int", hidden_dim="int", embed_dim="int", kernel_size="int")),
        ("VAE_HMM.compute_loss", lambda x, beta: m.compute_loss(x, beta=beta), dict(x=xb, beta=0.5), dict(beta="nonneg")),
        ("vae_hmm.train_model", lambda train_batches, clip_norm: train_model(VAE_HMM(2, 0, K=2), train_batches, epochs=1, clip_norm=clip_norm, progress=False),
         dict(train_batches=batches, clip_norm=1.0), dict(train_batches="batches", clip_norm="clip")),
        ("RegimeModel.transition_matrices", lambda X: st.transition_matrices(X), dict(X=X), dict(X="xframe")),
        ("RegimeModel.expected_durations", lambda X=None: lag.expected_durations(X), dict(X=X), dict(X="xframe?")),
        ("RegimeModel.fit(transmat_mask, allow_missing)", fit_rm, dict(transmat_mask=np.ones((2, 2), bool), allow_missing=False),
         dict(transmat_mask="mask", allow_missing="flag")),
        ("FilterState.update", lambda x_new: state.update(x_new), dict(x_new=X.iloc[200]), dict(x_new="row")),
    ]


def run_battery(verbose: bool = False) -> tuple[Counter, list]:
    "Run every malformed call; returns the outcome counts and the (function, argument, spoil, outcome) rows."
    rows = []
    for label, f, valid, kinds in _cases() + _live_cases():
        names = list(valid) + ["value", "p", "A", "C", "r", "v"]
        for arg, kind in kinds.items():
            for what, bad in (_LIVE_SPOILS[kind](valid[arg]) if kind in _LIVE_SPOILS else _spoil(kind, valid[arg])):
                if label.startswith("hmm.check_") and what in ("extra axes", "last axis cut"): continue   # any (..., K) is valid
                out = _outcome(f, {**valid, arg: bad}, names)
                rows.append((label, arg, what, out))
    counts = Counter(r[-1] for r in rows)
    if verbose:
        for r in rows:
            if r[-1] != "named": print(*r, sep=" | ")
    return counts, rows


if __name__ == "__main__":
    import sys
    counts, rows = run_battery(verbose="-v" in sys.argv)
    n = len(rows)
    print(f"{n} malformed calls over {len({r[0] for r in rows})} functions: "
          + ", ".join(f"{k} {v} ({100 * v / n:.1f}%)" for k, v in counts.most_common()))
