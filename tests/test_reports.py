"""Papermill runs of the `make report` pipeline.

Smoke runs: every experiment notebook runs with its quick defaults on a real kernel and writes an
executed notebook, a self-contained HTML report (inputs hidden, figures embedded, verdict first)
and a metrics.json with provenance. Runner tests: the runner never lies, i.e. a bad request or a
failing notebook exits non-zero and leaves the last good report as it was."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from regime_lab.report import machine_paths, report_html_problems, run_reports

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p.stem for p in (ROOT / "nbs" / "experiments").glob("*.ipynb"))
CLI = str(Path(sys.executable).parent / "regime-lab-report")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_report(name, tmp_path):
    (tmp_path / "params").mkdir()  # no params file: the notebook's quick defaults
    # check_html=False so the run's other checks are reported even while the HTML gate fails
    [paths] = run_reports(ROOT / "nbs" / "experiments", tmp_path, names=[name], check_html=False)
    html = paths["html"].read_text()
    assert "data:image/png;base64" in html, "figures must be embedded (inline backend, not Agg)"
    assert "from regime_lab" not in html, "the HTML report hides code inputs"
    metrics = json.loads(paths["metrics"].read_text())
    assert metrics["run"]["run_time_s"] > 0
    assert set(metrics["run"]["packages"]) >= {"torch", "numpy", "skfolio"}
    assert metrics["run"]["git"]["commit"], "the commit of the repository holding the notebook"
    assert (tmp_path / "index.html").exists() and (tmp_path / "README.md").exists()
    # Expected to pass once every experiment notebook has its title cell and its cell tagged `verdict`
    # (the gate `make report` applies; until then it names what the notebook still lacks).
    problems = report_html_problems(html, list(machine_paths(ROOT, tmp_path)), base=tmp_path,
                                    n_figures=len(list((tmp_path / name).glob("*.png"))))
    assert problems == [], f"{name}.html: " + "; ".join(problems)


def test_data_overview_metrics(tmp_path):
    (tmp_path / "params").mkdir()
    given = {"start": "2000-01-01", "end": "2010-12-31", "train_end": "2005-12-31", "val_end": "2007-12-31"}
    (tmp_path / "params" / "data_overview.yaml").write_text("".join(f'{k}: "{v}"\n' for k, v in given.items()))
    [paths] = run_reports(ROOT / "nbs" / "experiments", tmp_path, names=["data_overview"], check_html=False)
    m = json.loads(paths["metrics"].read_text())
    assert m["prices"]["first"] == "2000-01-03" and m["prices"]["last"] == "2010-12-31"
    assert m["features"]["nan_count"] == 0 and "historical_vol" in m["features"]["columns"]
    split = m["split"]
    assert split["train"]["last"] <= "2005-12-31" < split["validation"]["first"]
    assert sum(v["rows"] for v in split.values()) == m["features"]["rows"]
    assert len(m["features"]["sha256"]) == 64
    # the runner records what it injected, and the commit of the repository holding the notebook,
    # although the reports folder (tmp_path) is outside any repository
    # out_dir as the notebook's kernel saw it, relative to the notebook's folder: no machine path is recorded
    assert m["params"] == {**given, "out_dir": os.path.relpath(tmp_path.resolve() / "data_overview", ROOT / "nbs" / "experiments")}
    assert not os.path.isabs(m["params"]["out_dir"])
    assert m["run"]["git"]["commit"] and m["run"]["git"]["dirty"] is not None


def test_report_cli_help():
    r = subprocess.run([CLI, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--experiments" in r.stdout


# --- the runner on tiny synthetic experiments (one kernel start each, a few seconds) ---

def toy_experiment(folder: Path, body: str = "pass") -> Path:
    "An experiment notebook that passes the report checks, running `body` before its figure."
    src = ["import time; started = time.time()\nfrom regime_lab.report import write_metrics, save_figure\n" + body,
           "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(); ax.plot([0, 1]); ax.set_xlabel('x')\n"
           "save_figure(fig, out_dir, 'line'); plt.show()",
           "from IPython.display import Markdown, display\ndisplay(Markdown('## Verdict\\n\\nfine'))\n"
           "write_metrics(out_dir, {'n': n, 'verdict': 'fine'}, started)"]
    cells = [new_markdown_cell("# Toy\n\n**Question.** Does it run?"),
             new_code_cell("n = 3\nout_dir = 'out'", metadata={"tags": ["parameters"]}),
             *[new_code_cell(s) for s in src]]
    cells[-1].metadata["tags"] = ["verdict"]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), folder / "toy.ipynb")
    return folder / "toy.ipynb"


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([CLI, *args, "--kernel", "python3"], capture_output=True, text=True, env=env, timeout=600)


def error_lines(r: subprocess.CompletedProcess) -> list[str]:
    "The runner's own stderr lines (the kernel's start-up chatter left out)."
    return [l for l in r.stderr.splitlines() if l.strip() and not l.startswith("[IPKernelApp]")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("yaml_text,expect", [("epochs: 3\n", "unknown parameter(s) ['epochs']"),
                                              ('n: "three"\n', "n='three' is a str")])
def test_cli_bad_parameter(tmp_path, yaml_text, expect):
    toy_experiment(tmp_path / "exp")
    (tmp_path / "rep" / "params").mkdir(parents=True)
    (tmp_path / "rep" / "params" / "toy.yaml").write_text(yaml_text)
    r = cli("--experiments", str(tmp_path / "exp"), "--reports", str(tmp_path / "rep"))
    assert r.returncode != 0
    assert len(error_lines(r)) == 1 and expect in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "rep" / "toy.html").exists()


@pytest.mark.parametrize("make", ["missing", "empty", "unknown_name"])
def test_cli_no_experiments(tmp_path, make):
    exp = tmp_path / "exp"
    if make != "missing": exp.mkdir()
    if make == "unknown_name": toy_experiment(exp)
    names = ["nope"] if make == "unknown_name" else []
    r = cli(*names, "--experiments", str(exp), "--reports", str(tmp_path / "rep"))
    assert r.returncode != 0 and len(error_lines(r)) == 1 and "Traceback" not in r.stderr, r.stderr


def test_cli_failure_keeps_last_good_report(tmp_path):
    exp, rep = tmp_path / "exp", tmp_path / "rep"
    toy_experiment(exp)
    r = cli("--experiments", str(exp), "--reports", str(rep))
    assert r.returncode == 0, r.stdout + r.stderr
    assert {"toy.ipynb", "toy.html", "toy/metrics.json", "toy/line.png", "index.html"} <= set(snapshot(rep))
    before = snapshot(rep)
    toy_experiment(exp, body="raise RuntimeError('boom')")
    r = cli("--experiments", str(exp), "--reports", str(rep))
    assert r.returncode != 0
    assert "toy: FAILED" in r.stdout and "RuntimeError: boom" in r.stdout and "Traceback" not in r.stdout + r.stderr
    after = snapshot(rep)
    assert after.pop("index.html") and before.pop("index.html")  # rewritten from the same metrics
    assert after == before, "a failed run must leave the previous report byte for byte"
    assert not list(rep.glob(".tmp-*")), "the temporary run folder is removed"


# --- the committed reports: README figures from their metrics, stale reports listed ---

sys.path.insert(0, str(ROOT / "tools"))
from render_readme import fill_placeholders, format_figure, render_readme  # noqa: E402

RESULTS_DECIMAL = __import__("re").compile(r"(?<![\w.{>|])[+\u2212-]?\d+\.\d+")


def _results_markdown() -> str:
    "The Results section of nbs/index.ipynb as written (placeholders unfilled)."
    nb = nbformat.read(ROOT / "nbs" / "index.ipynb", 4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Results" in text, "nbs/index.ipynb has a `## Results` section"
    return text.split("## Results", 1)[1].split("\n## ", 1)[0]


def test_readme_is_rendered_from_the_metrics():
    # README.md equals a fresh render, so each figure equals its metrics.json value rounded as printed
    assert (ROOT / "README.md").read_text() == render_readme(ROOT / "nbs" / "index.ipynb"), \
        "README.md disagrees with nbs/index.ipynb or reports/*/metrics.json: run `make readme` and commit"


def test_results_figures_are_placeholders():
    # no decimal figure is typed in the Results section: each is a {{report > key | format}} placeholder
    prose = __import__("re").sub(r"\{\{.+?\}\}", "", _results_markdown())
    typed = RESULTS_DECIMAL.findall(prose)
    assert typed == [], f"typed figures in README's Results section (use placeholders): {typed}"


def test_placeholders_fail_loudly(tmp_path):
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "metrics.json").write_text(json.dumps(
        {"table": [{"model": "jump model", "sharpe": -0.25, "n": 3}], "p": 0.0004, "gone": None, "name": "x", "ok": True}))
    fill = lambda t: fill_placeholders(t, tmp_path)
    assert fill("S {{rep > table > jump model > sharpe | .2f}}, n {{rep > table > 0 > n}}") == "S \u22120.25, n 3"
    assert fill("p {{rep > p | p}}, {{rep > p | .1%}}, {{rep > name | s}}, {{rep > ok | bool:met:missed}}") == "p < 0.001, 0.0%, x, met"
    for bad in ["{{rep > missing}}", "{{rep > table > other model > sharpe}}", "{{rep > gone}}", "{{nope > p}}",
                "{{rep > table > 5 > n}}", "{{rep > name | .2f}}", "{{rep > p | bool:a:b}}"]:
        with pytest.raises(KeyError, match="README placeholder"):
            fill(bad)
    assert fill("`{{rep > p}}` and {{rep > p | .4f}}") == "`{{rep > p}}` and 0.0004"      # code spans keep the syntax
    assert format_figure(0.5, "+.2f") == "+0.50" and format_figure(-3, "d") == "\u22123"
    assert format_figure(True, "bool:met:not reached") == "met" and format_figure(False, "bool:met:not reached") == "not reached"
    with pytest.raises(TypeError):
        format_figure(1, "bool:met:not reached")


def test_stale_reports_are_listed():
    # a warning, not a failure: reports lag the code between two `make report` runs
    from regime_lab.report import report_rows
    rows = report_rows(ROOT / "reports", ROOT / "nbs" / "experiments")
    assert rows and all(r["sources"] in ("current", "unknown") or r["sources"].startswith("STALE: ") for r in rows)
    stale = [f"{r['name']} ({r['sources']} {r['commit']})" for r in rows if r["sources"] != "current"]
    if stale:
        import warnings
        warnings.warn(UserWarning("reports not current (re-run `make report`): " + "; ".join(stale)))


def test_default_emission_is_the_validation_choice():
    # RegimeModel's default emission is the one the regime diagnostics report chose on 1996-1999 (before every test year)
    from regime_lab.vae_hmm import RegimeModel
    choice = json.loads((ROOT / "reports" / "regime_diagnostics" / "metrics.json").read_text())["default_emission"]
    assert choice["validation"]["end"] < "2000-01-01"
    assert set(choice["table"]) == {"garch_t", "gjr_t", "gjr_skewt"}
    assert RegimeModel().emission == choice["chosen"], (
        f"the library's default emission {RegimeModel().emission!r} differs from the validation choice {choice['chosen']!r}")
    assert RegimeModel().n_regimes == choice["library_default_n_regimes"]
