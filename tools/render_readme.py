"""Render README.md from nbs/index.ipynb with nbconvert (Quarto, which nbdev-readme needs, cannot be
installed here). Cells marked `#| hide` are left out and `#|` directive lines are stripped.

Figures in the README are never typed: a markdown cell of nbs/index.ipynb holds a placeholder and the
renderer fills it from `reports/<report>/metrics.json`.

    {{report > key > key ... | format}}

- `report` is the folder under `reports/` (`regime_timing` reads `reports/regime_timing/metrics.json`).
- Each ` > key` steps into the record: a dict key as written in metrics.json (spaces and colons allowed),
  an integer index into a list, or, in a list of records, the record whose first text field equals the key
  (as `regime_lab.report.flatten_metrics` names rows: `table > jump model > sharpe`).
- `format` is a Python format spec (`.2f`, `+.3f`, `.1%`, `,.0f`, `d`) or `p` (a p-value: `< 0.001`, else 3
  decimals) or `s` (text as it is) or `bool:WORDS IF TRUE:WORDS IF FALSE` (a true/false figure in words, for a
  verdict that must follow the metrics). Without `| format` a number is printed with `.3f` (an int as it is).
  A negative number is printed with the minus sign U+2212, as the README's prose writes it.

A placeholder inside a code span (`` `{{...}}` ``) or a fenced block is left as written.

A placeholder whose report, key or value is missing (or null, which is how a non-finite number is stored)
stops the render with a `KeyError` naming the placeholder: the README never shows a blank. `make test`
compares README.md with a fresh render (`tools/check_sync.py`, `tests/test_reports.py`), so a README that
disagrees with the committed metrics fails. To add a report's line (hedging, risk forecasts), write its
sentence in the Results cell of nbs/index.ipynb with one placeholder per number and run `make readme`.
"""
import json
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/render_readme.py (`make readme`): do not edit. -->\n\n"
PLACEHOLDER = re.compile(r"\{\{(.+?)\}\}")
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
MINUS = "\u2212"


def _step(value, key: str, where: str):
    "`value[key]` for a dict, an integer index or a record whose first text field is `key`; KeyError naming `where`."
    if isinstance(value, dict):
        if key in value: return value[key]
    elif isinstance(value, list):
        if re.fullmatch(r"-?\d+", key) and -len(value) <= int(key) < len(value): return value[int(key)]
        for rec in value:
            first = next((v for v in rec.values() if isinstance(v, str)), None) if isinstance(rec, dict) else None
            if first == key: return rec
    raise KeyError(f"README placeholder {{{{{where}}}}}: no {key!r} there")


def format_figure(value, spec: str) -> str:
    "`value` printed with the format `spec` (see the module docstring); negative numbers with U+2212."
    if spec == "s": return str(value)
    if spec.startswith("bool:"):
        if not isinstance(value, bool): raise TypeError(f"a true/false value is needed for {spec!r}, got {value!r}")
        yes, _, no = spec[5:].partition(":")
        return yes if value else no
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a number is needed for format {spec!r}, got {value!r}")
    if spec == "p": text = "< 0.001" if value < 0.001 else f"{value:.3f}"
    elif not spec: text = str(value) if isinstance(value, int) else f"{value:.3f}"
    else: text = format(value, spec)
    return text.replace("-", MINUS) if text.lstrip("+").startswith("-") else text


def fill_placeholders(text: str, reports: Path, cache: dict | None = None) -> str:
    "`text` with every `{{report > key ... | format}}` replaced by the figure from `reports/<report>/metrics.json`."
    cache = {} if cache is None else cache
    def one(m):
        where = m.group(1).strip()
        path, _, spec = where.partition("|")
        report, *keys = [k.strip() for k in path.split(">")]
        if report not in cache:
            f = reports / report / "metrics.json"
            if not f.is_file(): raise KeyError(f"README placeholder {{{{{where}}}}}: no {f}")
            cache[report] = json.loads(f.read_text())
        value = cache[report]
        for k in keys: value = _step(value, k, where)
        if value is None: raise KeyError(f"README placeholder {{{{{where}}}}}: the value is null (non-finite or absent)")
        try: return format_figure(value, spec.strip())
        except (TypeError, ValueError) as e: raise KeyError(f"README placeholder {{{{{where}}}}}: {e}") from None
    # a placeholder inside a code span or a fenced block is text (the README shows the syntax that way)
    return "".join(part if i % 2 else PLACEHOLDER.sub(one, part) for i, part in enumerate(CODE.split(text)))


def render_readme(index: Path, reports: Path | None = None) -> str:
    "README.md's text from the notebook `index`, its placeholders filled from `reports` (default: the repository's)."
    reports = ROOT / "reports" if reports is None else Path(reports)
    nb = nbformat.read(str(index), as_version=4)
    cells, cache = [], {}
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == "code":
            if any(l.strip().replace(" ", "") in ("#|hide", "#|export", "#|exporti") for l in lines):
                continue
            lines = [l for l in lines if not l.lstrip().startswith("#|")]
            if not any(l.strip() for l in lines):
                continue
        c.source = "\n".join(lines)
        if c.cell_type == "markdown":
            c.source = fill_placeholders(c.source, reports, cache)
        if c.cell_type == "code":
            c.outputs = []
        cells.append(c)
    nb.cells = cells
    nb.metadata["language_info"] = {"name": "python"}
    body, _ = MarkdownExporter().from_notebook_node(nb)
    return HEADER + body.strip() + "\n"


if __name__ == "__main__":
    out = ROOT / "README.md"
    out.write_text(render_readme(ROOT / "nbs" / "index.ipynb"))
    print(f"wrote {out}")
