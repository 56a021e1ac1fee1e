"""Fit time of `RegimeModel(3, emission=...)` (its defaults otherwise) against hmmlearn's `GaussianHMM` (full covariance,
best of three restarts, as the regimes report fits it) on the S&P 500 [log return %, 21-day volatility %], 1990-2016.
CPU seconds on one thread, both fitted in the same process, three times; prints one JSON line per run with the ratio
and the training / held-out (last 15%) log-likelihoods. Usage: python tools/fit_time_vs_hmmlearn.py [label] [emission]
(run it with another checkout first on PYTHONPATH to time that code the same way)."""
import json, sys, time, warnings

import numpy as np
import pandas as pd
from hmmlearn.hmm import GaussianHMM
from threadpoolctl import threadpool_limits

warnings.filterwarnings("ignore")
from regime_lab.data import load_sp500_index, make_features
from regime_lab.vae_hmm import RegimeModel

label, emission = (sys.argv[1:] + ["run", "garch_t"][len(sys.argv) - 1:])[:2]
feats = make_features(load_sp500_index())
X = pd.DataFrame({"ret_pct": 100 * feats["log_return"], "vol_pct": 100 * feats["historical_vol"] / np.sqrt(252)}).loc[:"2016-12-31"]
n_tr = len(X) - round(0.15 * len(X))
with threadpool_limits(1):
    GaussianHMM(2, covariance_type="full", n_iter=5, random_state=0).fit(X.iloc[:500])    # warm both up, untimed
    RegimeModel(2, epochs=2, n_restarts=1).fit(X.iloc[:500])
    for rep in range(3):
        t0 = time.process_time()
        for s in range(3): GaussianHMM(3, covariance_type="full", n_iter=100, random_state=s).fit(X).score(X)
        t_h = time.process_time() - t0
        t0 = time.process_time(); rm = RegimeModel(3, emission=emission).fit(X); t_r = time.process_time() - t0
        print(json.dumps(dict(code=label, emission=emission, hmmlearn_s=round(t_h, 3), regime_s=round(t_r, 3), ratio=round(t_r / t_h, 3),
                              train_ll=round(rm.score(X.iloc[:n_tr]), 2), heldout_ll=round(rm.score_samples(X)[n_tr:].sum(), 2),
                              iterations=(rm.history_["epoch"][-1] + 1) if rm.history_["epoch"] else 0)), flush=True)
