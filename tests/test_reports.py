"""Papermill smoke runs: every experiment notebook runs through the `make report` pipeline with its
quick defaults, on a real kernel, and writes an executed notebook, an HTML report with inputs hidden
and figures embedded, and a metrics.json with provenance."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from regime_lab.report import run_reports

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p.stem for p in (ROOT / "nbs" / "experiments").glob("*.ipynb"))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_report(name, tmp_path):
    (tmp_path / "params").mkdir()  # no params file: the notebook's quick defaults
    [paths] = run_reports(ROOT / "nbs" / "experiments", tmp_path, names=[name])
    html = paths["html"].read_text()
    assert "data:image/png;base64" in html, "figures must be embedded (inline backend, not Agg)"
    assert "from regime_lab" not in html, "the HTML report hides code inputs"
    metrics = json.loads(paths["metrics"].read_text())
    assert metrics["run"]["run_time_s"] > 0
    assert set(metrics["run"]["packages"]) >= {"torch", "numpy", "skfolio"}
    assert "commit" in metrics["run"]["git"]


def test_data_overview_metrics(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "data_overview.yaml").write_text('start: "2000-01-01"\nend: "2010-12-31"\n'
                                                             'train_end: "2005-12-31"\nval_end: "2007-12-31"\n')
    [paths] = run_reports(ROOT / "nbs" / "experiments", tmp_path, names=["data_overview"])
    m = json.loads(paths["metrics"].read_text())
    assert m["prices"]["first"] == "2000-01-03" and m["prices"]["last"] == "2010-12-31"
    assert m["features"]["nan_count"] == 0 and "historical_vol" in m["features"]["columns"]
    split = m["split"]
    assert split["train"]["last"] <= "2005-12-31" < split["validation"]["first"]
    assert sum(v["rows"] for v in split.values()) == m["features"]["rows"]
    assert len(m["features"]["sha256"]) == 64


def test_report_cli_help():
    r = subprocess.run([str(Path(sys.executable).parent / "regime-lab-report"), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--experiments" in r.stdout
