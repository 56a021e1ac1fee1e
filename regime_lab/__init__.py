"""Regime-switching models for finance: a neural HMM (VAE-HMM), regime-aware portfolios and option hedging, as literate notebooks.

Modules:

- `regime_lab.data`: Everything a regime model reads comes through this module: real prices that ship inside installed packages (no network), causal regime features, a chronological split, a scaler fitted on the training window only, and the random variable-length chunks the VAE-HMM trains on.
- `regime_lab.losses`: Differentiable losses (to minimise) over portfolio weights and asset returns, net of proportional trading costs and masked for variable lengths: Sharpe, Sortino, Calmar, CVaR, risk parity, the multi-objective loss, and three regime-aware risks (probability-weighted, worst case over a misclassification set, and forecast h steps ahead through the transition matrices).
- `regime_lab.portfolio`: Five `torch.nn.Module` portfolio optimisers that read a window of regime probabilities (and, optionally, asset features) and return next-period weights, all through one output layer that enforces the portfolio constraints exactly: long-only fully invested by default, otherwise per-asset bounds, a gross-leverage cap and a net exposure, by a differentiable Euclidean projection.
- `regime_lab.report`: What every experiment notebook in `nbs/experiments/` shares: the run's provenance (git commit, package versions, device, wall time) written next to its metrics, figures saved beside them, and the runner behind `make report` that executes each experiment with papermill and renders it to HTML."""

__version__ = "0.0.1"
