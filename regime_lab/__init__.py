"""Regime-switching models for finance: a neural HMM (VAE-HMM), regime-aware portfolios and option hedging, as literate notebooks.

Modules:

- `regime_lab.data`: Everything a regime model reads comes through this module: real prices that ship inside installed packages (no network), causal regime features, a chronological split, a scaler fitted on the training window only, and the random variable-length chunks the VAE-HMM trains on.
- `regime_lab.hmm`: Exact inference in a hidden Markov model, batched over sequences of different lengths and written in log space so that it is stable and differentiable: the likelihood, filtered and smoothed regime probabilities, pairwise marginals, the most probable path, and the two ELBOs (mean-field and exact) that the VAE-HMM trains on.
- `regime_lab.report`: What every experiment notebook in `nbs/experiments/` shares: the run's provenance (git commit, package versions, device, wall time) written next to its metrics, figures saved beside them, and the runner behind `make report` that executes each experiment with papermill and renders it to HTML."""

__version__ = "0.0.1"
