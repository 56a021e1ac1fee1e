"""Property-based checks (hypothesis) of the public algebra: random valid inputs give finite, correctly shaped
outputs with the functions' invariants (probabilities on the simplex, weights summing to one, log-likelihoods
<= 0 for discrete emissions, the forward pass equal to enumeration); random malformed inputs give a
`ValueError`/`TypeError` naming the argument. Then the battery of malformed calls (`tools/bad_input_battery.py`)
must be refused, with a named argument, in >= 98% of calls, and never answered with a silent NaN."""
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from regime_lab import backtest as bt, hedging as hg, hmm, losses as ls, portfolio as pf, regimes as rg
from regime_lab.data import make_features, split_by_date

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from bad_input_battery import run_battery  # noqa: E402

settings.register_profile("regime_lab", max_examples=20, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("regime_lab")

SEEDS = st.integers(0, 2 ** 31 - 1)


def _named(f, name: str):
    "`f()` raises ValueError/TypeError whose message names `name` in backticks."
    with pytest.raises((ValueError, TypeError)) as e:
        f()
    assert f"`{name}" in str(e.value), str(e.value)


def _simplex(x, axis=-1, tol=1e-6) -> bool:
    x = x.detach().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, float)
    return bool(np.isfinite(x).all() and (x >= -tol).all() and np.allclose(x.sum(axis), 1.0, atol=tol))


def _hmm(seed, B, T, K, stationary, discrete=False):
    g = torch.Generator().manual_seed(seed)
    lp = torch.log_softmax(2 * torch.randn(K, generator=g, dtype=torch.float64), -1)
    lA = torch.log_softmax(2 * torch.randn(*((K, K) if stationary else (B, T, K, K)), generator=g, dtype=torch.float64), -1)
    if discrete:     # log of an emission probability: a categorical observation with 4 symbols
        E = torch.log_softmax(torch.randn(K, 4, generator=g, dtype=torch.float64), -1)
        lb = E[:, torch.randint(4, (B, T), generator=g)].permute(1, 2, 0)
    else:
        lb = 3 * torch.randn(B, T, K, generator=g, dtype=torch.float64)
    L = torch.randint(1, T + 1, (B,), generator=g); L[0] = T
    return lp, lA, lb, L


def _enumerate(lp, lA, lb, b, L):
    "log p(x) of sequence b by summing over all K^L paths."
    K = lb.shape[-1]
    A = lA if lA.ndim == 2 else None
    tot = []
    for z in itertools.product(range(K), repeat=L):
        s = lp[z[0]] + lb[b, 0, z[0]]
        for t in range(1, L):
            s = s + (A if A is not None else lA[b, t])[z[t - 1], z[t]] + lb[b, t, z[t]]
        tot.append(float(s))
    return float(np.logaddexp.reduce(tot))


# ------------------------------------------------------------------ hmm
@given(SEEDS, st.integers(1, 3), st.integers(1, 5), st.integers(2, 3), st.booleans())
def test_hmm_valid(seed, B, T, K, stationary):
    lp, lA, lb, L = _hmm(seed, B, T, K, stationary)
    alpha, ll = hmm.forward(lp, lA, lb, L)
    assert alpha.shape == (B, T, K) and ll.shape == (B,) and torch.isfinite(ll).all()
    for b in range(B):
        assert math.isclose(ll[b].item(), _enumerate(lp, lA, lb, b, int(L[b])), rel_tol=1e-9, abs_tol=1e-9)
    torch.testing.assert_close(hmm.parallel_log_likelihood(lp, lA, lb, L), ll)
    torch.testing.assert_close(hmm.exact_elbo(lp, lA, lb, L), ll)
    assert (hmm.mean_field_elbo(torch.log_softmax(lb, -1), lp, lA, lb, L)[0] <= ll + 1e-9).all()
    mask = torch.arange(T)[None] < L[:, None]
    assert _simplex(hmm.forward_filter(lp, lA, lb, L).exp()) and _simplex(hmm.forward_backward(lp, lA, lb, L)[0].exp())
    xi = hmm.pairwise_marginals(lp, lA, lb, L).exp()
    assert _simplex(xi.flatten(-2))
    path = hmm.viterbi(lp, lA, lb, L)
    assert ((path >= 0) & (path < K))[mask].all() and (path[~mask] == -1).all()


@given(SEEDS, st.integers(1, 3), st.integers(1, 6), st.integers(2, 3))
def test_hmm_discrete_loglik_nonpositive(seed, B, T, K):
    lp, lA, lb, L = _hmm(seed, B, T, K, True, discrete=True)
    assert (hmm.hmm_log_likelihood(lp, lA, lb, L) <= 1e-12).all()


@given(SEEDS, st.sampled_from(["nan_b", "inf_b", "unnormalised_A", "unnormalised_pi", "dtype", "shape", "lengths", "int"]))
def test_hmm_invalid(seed, what):
    lp, lA, lb, L = _hmm(seed, 2, 4, 3, True)
    f = [hmm.forward, hmm.forward_filter, hmm.viterbi, hmm.parallel_log_likelihood, hmm.exact_elbo][seed % 5]
    if what == "nan_b": lb[0, 0, seed % 3] = math.nan; _named(lambda: f(lp, lA, lb, L), "log_b")
    if what == "inf_b": lb[0, 0, seed % 3] = math.inf; _named(lambda: f(lp, lA, lb, L), "log_b")
    if what == "unnormalised_A": _named(lambda: f(lp, lA + 0.01 + (seed % 7), lb, L), "log_A")
    if what == "unnormalised_pi": _named(lambda: f(lp - 0.01 - (seed % 7), lA, lb, L), "log_pi")
    if what == "dtype": _named(lambda: f(lp.float(), lA, lb, L), "log_pi")
    if what == "shape": _named(lambda: f(lp, lA[:2], lb, L), "log_A")
    if what == "lengths": _named(lambda: f(lp, lA, lb, L + 4), "lengths")
    if what == "int": _named(lambda: f(lp, lA, lb.long(), L), "log_b")


# ------------------------------------------------------------------ regimes
@given(SEEDS, st.integers(2, 40), st.integers(2, 4), st.integers(1, 5))
def test_regimes_valid(seed, T, K, H):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(K), T)
    A = 0.5 * rng.dirichlet(np.ones(K), K) + 0.5 * np.eye(K)
    F = rg.forecast_regimes(P, A, H)
    assert F.shape == (T, H, K) and _simplex(F)
    assert _simplex(rg.persistence_forecast(P, H))
    cp = rg.change_probability(P, A, H)
    assert cp.shape == (T,) and ((cp >= -1e-12) & (cp <= 1 + 1e-12)).all()
    pi = rg.stationary_distribution(A)
    assert _simplex(pi) and np.allclose(pi @ A, pi, atol=1e-8)
    c = rg.regime_certainty(P)
    assert ((c >= 0) & (c <= 1)).all()
    assert _simplex(rg.apply_temperature(P, float(rng.uniform(0.2, 5))))
    z = rg.sample_regimes(A, T, seed=seed)
    assert z.shape == (T,) and ((z >= 0) & (z < K)).all()
    ls_ = rg.forecast_log_score(F, z)
    assert ls_.shape == (H,) and (np.isnan(ls_[T - 1:]).all() if H >= T else True) and (ls_[~np.isnan(ls_)] <= 0).all()
    Sg = np.stack([np.diag(rng.uniform(1e-5, 1e-3, 2)) for _ in range(K)])
    lev = rg.optimize_leverage(np.array([0.5, 0.5]), P, Sg, max_leverage=2.0)
    assert lev.shape == (T,) and np.isfinite(lev).all() and (lev > 0).all() and (lev <= 2.0 + 1e-12).all()


@given(SEEDS, st.sampled_from(["nan", "neg", "unnormalised", "empty", "K1", "transmat", "horizon", "nan_means", "ppy"]))
def test_regimes_invalid(seed, what):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(3), 10); A = rng.dirichlet(np.ones(3), 3); Sg = np.stack([np.eye(2) * 1e-4] * 3)
    bad = P.copy()
    if what == "nan": bad[seed % 10, 0] = np.nan
    if what == "neg": bad[seed % 10] = [1.5, -0.5, 0.0]
    if what == "unnormalised": bad = P * 1.01
    if what == "empty": bad = P[:0]
    if what == "K1": bad = P[:, :1]
    if what in ("nan", "neg", "unnormalised", "empty", "K1"):
        for f in (lambda p: rg.forecast_regimes(p, A, 2), rg.regime_certainty, lambda p: rg.apply_temperature(p, 2.0),
                  lambda p: rg.optimize_leverage(np.ones(2) / 2, p, Sg)):
            _named(lambda: f(bad), "probs")
    if what == "transmat": _named(lambda: rg.change_probability(P, A * 1.1, 2), "transmat")
    if what == "horizon": _named(lambda: rg.forecast_regimes(P, A, [0, -1, 2.5, "2"][seed % 4]), "horizon")
    if what == "nan_means": _named(lambda: rg.optimize_leverage(np.ones(2) / 2, P, Sg, regime_means=np.full((3, 2), np.nan)), "regime_means")
    if what == "ppy": _named(lambda: rg.optimize_leverage(np.ones(2) / 2, P, Sg, periods_per_year=[0, np.nan, -1][seed % 3]), "periods_per_year")


# ------------------------------------------------------------------ losses and portfolio
@given(SEEDS, st.integers(1, 3), st.integers(3, 12), st.integers(2, 4))
def test_losses_valid(seed, B, T, N):
    g = torch.Generator().manual_seed(seed)
    W = torch.softmax(torch.randn(B, T, N, generator=g, dtype=torch.float64), -1)
    R = 0.02 * torch.randn(B, T, N, generator=g, dtype=torch.float64)
    L = torch.randint(2, T + 1, (B,), generator=g); L[0] = T
    rp = ls.portfolio_returns(W, R, L, cost_bps=10)
    assert rp.shape == (B, T) and torch.isfinite(rp).all()
    for f in (ls.sharpe_loss, ls.sortino_loss, ls.max_drawdown_loss, ls.calmar_loss, ls.cvar_loss, ls.risk_parity_loss,
              ls.advanced_portfolio_loss):
        out = f(W, R, L, reduction="none")
        assert out.shape == (B,) and torch.isfinite(out).all(), f.__name__
    K = 2
    p = torch.softmax(torch.randn(B, T, K, generator=g, dtype=torch.float64), -1)
    X = torch.randn(K, N, N, generator=g, dtype=torch.float64)
    S = X @ X.transpose(-1, -2) * 1e-4 + 1e-6 * torch.eye(N, dtype=torch.float64)
    assert torch.isfinite(ls.regime_conditional_loss(W, p, S, lengths=L)).all()
    radius = float(torch.rand(1, generator=g))
    q = ls.worst_case_regime_probs(torch.randn(B, K, generator=g, dtype=torch.float64), p[:, 0], radius)
    assert _simplex(q) and ((q - p[:, 0]).abs().sum(-1) / 2 <= radius + 1e-9).all()
    Am = torch.softmax(torch.randn(K, K, generator=g, dtype=torch.float64), -1)
    assert _simplex(ls.forecast_regime_probs(p, Am, 3))
    cons = pf.PortfolioConstraints(N)
    w = pf.project_weights(torch.randn(B, N, generator=g, dtype=torch.float64), cons)
    assert torch.allclose(w.sum(-1), torch.ones(B, dtype=torch.float64)) and (w >= -1e-12).all()


@given(SEEDS, st.sampled_from(["nan_r", "below_m1", "shape_w", "int_w", "indefinite", "probs", "empty", "radius"]))
def test_losses_invalid(seed, what):
    g = torch.Generator().manual_seed(seed)
    W = torch.softmax(torch.randn(2, 5, 3, generator=g, dtype=torch.float64), -1)
    R = 0.01 * torch.randn(2, 5, 3, generator=g, dtype=torch.float64)
    p = torch.softmax(torch.randn(2, 5, 2, generator=g, dtype=torch.float64), -1)
    S = torch.stack([torch.eye(3, dtype=torch.float64) * 1e-4] * 2)
    f = [ls.sharpe_loss, ls.cvar_loss, ls.max_drawdown_loss, ls.portfolio_returns][seed % 4]
    if what == "nan_r": R[0, seed % 5, 0] = math.nan; _named(lambda: f(W, R), "returns")
    if what == "below_m1": R[1, seed % 5, 1] = -1.0 - 1e-3 - (seed % 5); _named(lambda: f(W, R), "returns")
    if what == "shape_w": _named(lambda: f(W[..., :2], R), "weights")
    if what == "int_w": _named(lambda: f(W.long(), R), "weights")
    if what == "indefinite": _named(lambda: ls.regime_conditional_loss(W, p, -S), "regime_covs")
    if what == "probs": _named(lambda: ls.regime_conditional_loss(W, p * 1.01, S), "regime_probs")
    if what == "empty": _named(lambda: f(W[:0], R[:0]), "returns")
    if what == "radius": _named(lambda: ls.worst_case_regime_probs(p[:, 0], p[:, 0], [math.nan, -0.1, 1.5][seed % 3]), "radius")


# ------------------------------------------------------------------ backtest
@given(SEEDS, st.integers(5, 60))
def test_backtest_valid(seed, T):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-01", periods=T)
    R = pd.DataFrame(rng.normal(0, 0.01, (T, 2)), index=idx, columns=["a", "b"])
    w = rng.dirichlet(np.ones(2), T)
    res = bt.backtest(pd.DataFrame(w, index=idx, columns=R.columns), R, cost_bps=5.0)
    assert np.isfinite(res.equity).all() and np.allclose(res.targets.sum(axis=1), 1.0)
    m = bt.performance_metrics(res.returns, turnover=res.turnover)
    assert np.isfinite(m.drop("calmar")).all()


@given(SEEDS, st.sampled_from(["nan", "inf", "below_m1", "unsorted", "duplicated", "ppy"]))
def test_backtest_invalid(seed, what):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-01", periods=10)
    r = pd.Series(rng.normal(0, 0.01, 10), index=idx)
    if what == "nan": r.iloc[seed % 10] = np.nan
    if what == "inf": r.iloc[seed % 10] = np.inf
    if what == "below_m1": r.iloc[seed % 10] = -1.5
    if what == "unsorted": r = r.iloc[::-1]
    if what == "duplicated": r = pd.concat([r.iloc[:1], r])
    if what == "ppy": _named(lambda: bt.performance_metrics(r, periods_per_year=[np.nan, np.inf, 0, 2.5][seed % 4]), "periods_per_year")
    else: _named(lambda: bt.performance_metrics(r), "returns")


# ------------------------------------------------------------------ hedging: option math
@given(st.floats(20, 200), st.floats(20, 200), st.floats(0.01, 2.0), st.floats(0.05, 1.0), st.floats(-0.02, 0.08))
def test_black_scholes_valid(S, K, tau, sigma, r):
    c, p = hg.bs_price(S, K, tau, sigma, r), hg.bs_price(S, K, tau, sigma, r, kind="put")
    assert torch.isfinite(c) and torch.isfinite(p)
    assert c >= max(S - K * math.exp(-r * tau), 0.0) - 1e-5 and c <= S + 1e-5          # no-arbitrage bounds
    assert math.isclose(float(c - p), S - K * math.exp(-r * tau), abs_tol=1e-3 * max(S, K))   # put-call parity
    d = hg.bs_delta(S, K, tau, sigma, r)
    assert 0 <= d <= 1 and hg.bs_gamma(S, K, tau, sigma, r) >= 0 and hg.bs_vega(S, K, tau, sigma, r) >= 0


@given(st.sampled_from(["spot", "strike", "sigma", "time_to_expiry"]), st.sampled_from([math.nan, math.inf, -1.0, 0.0, "x"]))
def test_black_scholes_invalid(arg, value):
    kw = dict(spot=100.0, strike=100.0, time_to_expiry=0.5, sigma=0.2)
    if arg == "time_to_expiry" and value == 0.0:
        return                                        # at expiry: the payoff, a valid input
    for f in (hg.bs_price, hg.bs_delta, hg.bs_gamma, hg.bs_vega):
        _named(lambda: f(**{**kw, arg: value}), arg)


# ------------------------------------------------------------------ data
@settings(max_examples=5)
@given(SEEDS)
def test_make_features_and_split(seed):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2000-01-03", periods=400)
    prices = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400))), index=idx)
    X = make_features(prices)
    assert len(X) > 0 and np.isfinite(X.to_numpy()).all() and X.index.is_monotonic_increasing
    tr, va, te = split_by_date(X, X.index[len(X) // 2], X.index[3 * len(X) // 4])
    assert len(tr) + len(va) + len(te) == len(X) and tr.index[-1] < va.index[0] and va.index[-1] < te.index[0]


# ------------------------------------------------------------------ the battery
def test_bad_input_battery():
    counts, rows = run_battery()
    n = len(rows)
    print(f"\n{n} malformed calls: " + ", ".join(f"{k} {v} ({100 * v / n:.1f}%)" for k, v in counts.most_common()))
    assert n >= 300
    assert counts["named"] / n >= 0.98, [r for r in rows if r[-1] != "named"]
    assert counts["nan"] == 0, [r for r in rows if r[-1] == "nan"]


# ------------------------------------------------------------------ live use: streaming, missing days, masks, silent failures
from regime_lab.vae_hmm import RegimeModel, VAE_HMM, train_model  # noqa: E402


@given(SEEDS, st.integers(2, 4), st.integers(1, 6))
def test_em_train_ll_is_of_returned_parameters(seed, K, n_iter):
    g = np.random.default_rng(seed)
    Z = torch.tensor(g.standard_normal((120, 2)) + np.repeat(g.standard_normal((6, 2)) * 3, 20, 0))
    em = hmm.fit_gaussian_hmm_em(Z, K, n_restarts=2, seed=seed % 1000, n_iter=n_iter, tol=0.0)
    par = [em[k] for k in ("log_pi", "log_A", "means", "covs")]
    assert torch.allclose(em["train_ll"], hmm.gaussian_hmm_log_likelihood(Z, *par), atol=1e-8)


@given(SEEDS, st.integers(1, 4), st.integers(2, 3))
def test_mvn_log_prob_missing_is_the_marginal(seed, C, K):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(K, C, C, generator=g, dtype=torch.float64)
    L = torch.linalg.cholesky(A @ A.mT + 0.5 * torch.eye(C, dtype=torch.float64))
    x = torch.randn(5, 1, C, generator=g, dtype=torch.float64).expand(5, K, C).clone()
    miss = torch.rand(5, 1, C, generator=g) < 0.4
    x[miss.expand(5, K, C)] = math.nan
    out = hmm.mvn_log_prob_missing(x, L)
    assert torch.isfinite(out).all()
    for i in range(5):
        o = (~miss[i, 0]).nonzero()[:, 0].tolist()
        for k in range(K):
            ref = 0.0 if not o else float(torch.distributions.MultivariateNormal(
                torch.zeros(len(o), dtype=torch.float64), (L[k] @ L[k].T)[o][:, o]).log_prob(x[i, k, o]))
            assert abs(float(out[i, k]) - ref) < 1e-10


@given(SEEDS, st.integers(2, 4), st.integers(2, 40))
def test_parallel_log_likelihood_gradient_finite(seed, K, T):
    g = torch.Generator().manual_seed(seed)
    lb = (300 * torch.randn(2, T, K, generator=g)).requires_grad_()          # float32, far apart: the log-space fallback
    lA = torch.log_softmax(20 * torch.randn(K, K, generator=g), -1)
    ll = hmm.parallel_log_likelihood(torch.full((K,), -math.log(K)), lA, lb)
    gr, = torch.autograd.grad(ll.sum(), lb)
    assert torch.isfinite(ll).all() and torch.isfinite(gr).all()


@given(SEEDS, st.integers(2, 4))
def test_em_transmat_mask_keeps_zeros(seed, K):
    g = np.random.default_rng(seed)
    mask = g.random((K, K)) < 0.6
    mask[np.arange(K), g.integers(0, K, K)] = True                             # every row allows a move
    Z = torch.tensor(g.standard_normal((80, 2)))
    em = hmm.fit_gaussian_hmm_em(Z, K, n_restarts=1, n_iter=5, transmat_mask=mask)
    A = em["log_A"].exp()[0].numpy()
    assert (A[~mask] == 0).all() and np.allclose(A.sum(1), 1.0)


_LIVE = {}


def _live_model(kind: str):
    "A small fitted RegimeModel of each kind, fitted once (float64 network) with its data."
    if kind not in _LIVE:
        g = np.random.default_rng(0)
        z = np.repeat(g.integers(0, 2, 20), 25)
        X = pd.DataFrame(np.array([[0.0, 0.0], [1.5, -1.0]])[z] + g.standard_normal((500, 2)) * np.array([[1.0, 0.5], [2.0, 1.0]])[z],
                         columns=["a", "b"], index=pd.bdate_range("2001-01-01", periods=500))
        kw = dict(gaussian=dict(emission="gaussian"), garch_t=dict(emission="garch_t"),
                  missing=dict(emission="gaussian", allow_missing=True), garch_missing=dict(emission="garch_t", allow_missing=True))[kind]
        rm = RegimeModel(2, n_restarts=1, epochs=2, **kw).fit(X)
        rm.model_ = rm.model_.double()
        if kind in ("missing", "garch_missing"):   # GARCH: a day misses its return only with every column (other columns alone may miss)
            X = X.copy(); X.iloc[g.choice(500, 15, replace=False)] = np.nan; X.iloc[g.choice(500, 10, replace=False), int(kind == "garch_missing")] = np.nan
        _LIVE[kind] = rm, X
    return _LIVE[kind]


@settings(max_examples=10)
@given(st.sampled_from(["gaussian", "garch_t", "missing", "garch_missing"]), st.integers(2, 200), st.integers(1, 9))
def test_streaming_equals_batch(kind, start, block):
    rm, X = _live_model(kind)
    X = X.iloc[:260]
    if kind in ("missing", "garch_missing"): X = X.iloc[1:] if X.iloc[:start].isna().all(axis=None) else X
    s = rm.filter_state(X.iloc[:start])
    P = np.concatenate([s.update(X.iloc[i:i + block]) for i in range(start, len(X), block)])
    assert np.allclose(P, rm.predict_proba(X)[start:], atol=1e-10, rtol=0)
    assert s.n_rows == len(X)


@pytest.mark.parametrize("bad", [dict(beta=math.nan), dict(beta=-1.0), dict(beta=math.inf)])
def test_compute_loss_refuses_bad_beta(bad):
    m = VAE_HMM(2, 0, K=2, elbo="mean_field")
    _named(lambda: m.compute_loss(torch.randn(2, 2, 10), **bad), "beta")


@pytest.mark.parametrize("kw", ["hidden_dim", "embed_dim", "kernel_size"])
def test_vae_hmm_refuses_zero_sizes(kw):
    _named(lambda: VAE_HMM(2, elbo="mean_field", **{kw: 0}), kw)


def test_train_model_refuses_bad_clip_norm_and_empty_batches():
    b = [(torch.randn(2, 2, 20), None, torch.tensor([20, 20]))]
    _named(lambda: train_model(VAE_HMM(2, K=2), b, epochs=1, clip_norm=-1, progress=False), "clip_norm")
    _named(lambda: train_model(VAE_HMM(2, K=2), [], epochs=1, progress=False), "train_batches")


def test_numpy_scalar_settings_save_and_load(tmp_path):
    rm, X = _live_model("gaussian")
    r = RegimeModel(np.int64(2), n_restarts=np.int64(1), epochs=np.int64(0), lr=np.float64(0.03), emission="gaussian").fit(X)
    r.save(tmp_path / "m.pt")
    assert np.array_equal(RegimeModel.load(tmp_path / "m.pt").predict_proba(X), r.predict_proba(X))
