"""Render README.md from nbs/index.ipynb with nbconvert (Quarto, which nbdev-readme needs, cannot be
installed here). Cells marked `#| hide` are left out and `#|` directive lines are stripped."""
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/render_readme.py (`make readme`): do not edit. -->\n\n"


def render_readme(index: Path) -> str:
    nb = nbformat.read(str(index), as_version=4)
    cells = []
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == "code":
            if any(l.strip().replace(" ", "") in ("#|hide", "#|export", "#|exporti") for l in lines):
                continue
            lines = [l for l in lines if not l.lstrip().startswith("#|")]
            if not any(l.strip() for l in lines):
                continue
        c.source = "\n".join(lines)
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
