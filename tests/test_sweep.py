"""Sweeps of a report notebook on dask.distributed (`regime-lab-report --sweep`).

A tiny experiment (no torch, no figures: each run is one kernel start) runs over a grid of
parameter sets on a LocalCluster of two worker processes: every set gets its folder and a row of
the summary; a failing set is recorded with its error while the others finish, and the command
exits non-zero; running the sweep again skips the finished runs and runs the failed one again."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from regime_lab.report import flatten_metrics, load_sweep, run_sweep, sweep_plan

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "regime-lab-report")
KERNEL = "python3"  # the tiny notebook needs nothing from regime_lab's own kernel


def tiny_experiment(folder: Path, fail_k: int = -1) -> Path:
    "An experiment that appends `k` to the file `log` each time it runs, raises when k == fail_k, and writes metrics.json."
    body = ("import json, os\nfrom pathlib import Path\n"
            "with open(log, 'a') as f: f.write(f'{k}\\n')\n"
            f"if k == {fail_k}: raise RuntimeError(f'k={{k}} is the failing set')\n"
            "Path(out_dir).mkdir(parents=True, exist_ok=True)\n"
            "metrics = {'score': k + seed / 10, 'table': [{'model': 'a', 'sharpe': 0.1 * k - seed}],\n"
            "           'kernel_parent': os.getppid(), 'omp_threads': os.environ.get('OMP_NUM_THREADS'), 'verdict': 'fine'}\n"
            "(Path(out_dir) / 'metrics.json').write_text(json.dumps(metrics))")
    cells = [new_markdown_cell("# Tiny\n\n**Question.** Does a sweep run?"),
             new_code_cell("k = 1\nseed = 0\nlog = 'runs.log'\nout_dir = 'out'", metadata={"tags": ["parameters"]}),
             new_code_cell(body), new_markdown_cell("## Verdict\n\nIt runs.")]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), folder / "tiny.ipynb")
    return folder / "tiny.ipynb"


def runs_logged(log: Path) -> dict[int, int]:
    "How many times the notebook ran with each k."
    ks = [int(l) for l in log.read_text().split()] if log.exists() else []
    return {k: ks.count(k) for k in sorted(set(ks))}


def write_sweep(rep: Path, text: str) -> Path:
    (rep / "params").mkdir(parents=True, exist_ok=True)
    (rep / "params" / "tiny.sweep.yaml").write_text(text)
    return rep / "params" / "tiny.sweep.yaml"


def test_sweep_on_local_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the worker processes import this checkout's regime_lab
    monkeypatch.setenv("OMP_NUM_THREADS", "4")   # the runner sets 1 for the kernels
    exp, rep, log = tmp_path / "exp", tmp_path / "rep", tmp_path / "runs.log"
    tiny_experiment(exp)
    sweep = write_sweep(rep, f"experiment: tiny\nparams: {{log: {json.dumps(str(log))}}}\ngrid: {{k: [1, 2], seed: [0, 1]}}\n")
    summary = run_sweep(sweep, exp, rep, kernel_name=KERNEL, workers=2)
    out = rep / "sweeps" / "tiny"
    ids = ["k=1_seed=0", "k=1_seed=1", "k=2_seed=0", "k=2_seed=1"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ids
    for rid in ids:
        assert {"tiny.ipynb", "tiny.html", "metrics.json"} <= {p.name for p in (out / rid).iterdir()}
        rec = json.loads((out / rid / "metrics.json").read_text())
        k, seed = (int(part.split("=")[1]) for part in rid.split("_"))
        assert rec["params"] == {"k": k, "seed": seed, "log": str(log), "out_dir": os.path.relpath((out / rid).resolve(), exp.resolve())}
        assert rec["omp_threads"] == "1" and rec["run"]["report_time_s"] > 0
    parents = {json.loads((out / rid / "metrics.json").read_text())["kernel_parent"] for rid in ids}
    assert os.getpid() not in parents, "the kernels run under the worker processes, not this one"
    print(f"kernels started by {len(parents)} worker process(es)")
    assert runs_logged(log) == {1: 2, 2: 2}
    csv = pd.read_csv(out / "summary.csv")
    assert csv.run.tolist() == ids and (csv.status == "ok").all() and csv.error.isna().all()
    assert {"params.k", "params.seed", "score", "table.a.sharpe", "run_time_s"} <= set(csv.columns)
    assert summary.run.tolist() == ids and (summary.status == "ok").all()
    spread = pd.read_csv(out / "spread.csv")
    score = spread[spread.metric == "score"].set_index("params.k")
    assert score.n.tolist() == [2, 2]
    assert score.loc[1, "mean"] == pytest.approx(1.05) and score.loc[2, "min"] == pytest.approx(2.0)
    assert score.loc[2, "max"] == pytest.approx(2.1) and score.loc[1, "std"] == pytest.approx(0.1 / 2 ** 0.5)
    page = (out / "summary.html").read_text()
    assert "<script" not in page and "cdn" not in page.lower() and str(tmp_path) not in page
    assert '<a href="k=1_seed=0/tiny.html">' in page and "4 ok, 0 skipped, 0 failed" in page
    assert not list(rep.glob(".tmp-*")), "no temporary run folder is left"


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([CLI, *args, "--kernel", KERNEL], capture_output=True, text=True, env=env, timeout=300)


def test_sweep_failure_and_resume(tmp_path):
    exp, rep, log = tmp_path / "exp", tmp_path / "rep", tmp_path / "runs.log"
    tiny_experiment(exp, fail_k=3)
    write_sweep(rep, f"experiment: tiny\nparams: {{log: {json.dumps(str(log))}}}\ngrid: {{k: [1, 2, 3]}}\n"
                     "summary_keys: [score, absent]\n")
    args = ("--sweep", "tiny", "--experiments", str(exp), "--reports", str(rep), "--workers", "2")
    out = rep / "sweeps" / "tiny"

    r = cli(*args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "sweep tiny: 1 of 3 runs failed: k=3" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "k=3: failed in" in r.stderr and "no run has the summary key(s) ['absent']" in r.stderr
    csv = pd.read_csv(out / "summary.csv")
    assert dict(zip(csv.run, csv.status)) == {"k=1": "ok", "k=2": "ok", "k=3": "failed"}
    assert list(csv.columns)[-2:] == ["score", "absent"] and csv.score.tolist()[:2] == [1.0, 2.0]
    failed = csv.set_index("run").loc["k=3"]
    assert "RuntimeError: k=3 is the failing set" in failed.error and pd.isna(failed.score)
    error_txt = (out / "k=3" / "error.txt").read_text()
    assert "k=3 is the failing set" in error_txt and not (out / "k=3" / "metrics.json").exists()
    assert runs_logged(log) == {1: 1, 2: 1, 3: 1}
    assert "1 failed" in (out / "summary.html").read_text()

    # again: the finished runs are skipped, the failed one runs again (and fails again)
    r = cli(*args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert runs_logged(log) == {1: 1, 2: 1, 3: 2}
    assert r.stderr.count("(finished earlier with the same parameters)") == 2
    csv = pd.read_csv(out / "summary.csv")
    assert dict(zip(csv.run, csv.status)) == {"k=1": "skipped", "k=2": "skipped", "k=3": "failed"}
    assert csv.score.tolist()[:2] == [1.0, 2.0], "a skipped run's figures are read from its folder"

    # the notebook fixed, with --force: every set runs again, the failed one's folder loses error.txt, exit 0
    tiny_experiment(exp)
    r = cli(*args, "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    assert runs_logged(log) == {1: 2, 2: 2, 3: 3}
    assert (out / "k=3" / "metrics.json").exists() and not (out / "k=3" / "error.txt").exists()
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["ok", "ok", "ok"]


@pytest.mark.parametrize("path", sorted((ROOT / "reports" / "params").glob("*.sweep.yaml")), ids=lambda p: p.name)
def test_sweep_files(path):
    "Each sweep file in the repository is valid for its notebook, and its summary keys name figures of the published report."
    sweep = load_sweep(path)
    nb = ROOT / "nbs" / "experiments" / f"{sweep['experiment']}.ipynb"
    plan = sweep_plan(sweep, nb, ROOT / "reports" / "params")  # raises on an unknown parameter or a wrong type
    assert len({rid for rid, *_ in plan}) == len(plan) > 1
    published = ROOT / "reports" / sweep["experiment"] / "metrics.json"
    if sweep["summary_keys"] and published.exists():
        missing = set(sweep["summary_keys"]) - set(flatten_metrics(json.loads(published.read_text())))
        assert not missing, f"summary_keys not in {published.relative_to(ROOT)}: {sorted(missing)}"
