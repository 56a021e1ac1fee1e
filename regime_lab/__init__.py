"""Regime-switching models for finance: a neural HMM (VAE-HMM), regime-aware portfolios and option hedging, as literate notebooks.

Modules:

- `regime_lab.backtest`: One backtest engine for every strategy in this repository: target weights decided at a close are held from the next day on, drift with prices until the next rebalance, pay proportional costs on what is traded, and finance leverage (or earn on cash) at a risk-free rate. Performance metrics use skfolio's measures, and four classical skfolio portfolios, refitted on a trailing window, run through the same engine as baselines.
- `regime_lab.data`: Everything a regime model reads comes through this module: real prices that ship inside installed packages (no network), causal regime features, a chronological split, a scaler fitted on the training window only, and the random variable-length chunks the VAE-HMM trains on.
- `regime_lab.hmm`: Exact inference in a hidden Markov model, batched over sequences of different lengths and written in log space so that it is stable and differentiable: the likelihood, filtered and smoothed regime probabilities, pairwise marginals, the most probable path, and the two ELBOs (mean-field and exact) that the VAE-HMM trains on.
- `regime_lab.report`: What every experiment notebook in `nbs/experiments/` shares: the run's provenance (git commit, package versions, device, wall time) written next to its metrics, figures saved beside them, and the runner behind `make report` that executes each experiment with papermill and renders it to HTML.
- `regime_lab.vae_hmm`: The seed's VAE-HMM (a Conv1d encoder, an input-conditioned Markov prior and a state-embedding decoder, trained on a mean-field ELBO), built faithfully, with its faults written down and fixed; an **exact** mode whose loss is the true negative log-likelihood of the data given the inputs, computed by the forward algorithm; `train_model`; checkpoints; and `RegimeModel`, an estimator an hmmlearn user can use without reading the rest."""

__version__ = "0.0.1"
