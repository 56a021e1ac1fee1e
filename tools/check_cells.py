"""fastcore's rhythm in the library notebooks: no exported cell over 60 lines of code, and no exported cell that
follows another with no check cell between them (markdown does not count). Exits 1 naming each offence."""
import sys
from pathlib import Path

import nbformat

MAX_LINES = 60
ROOT = Path(__file__).resolve().parent.parent


def is_exported(cell) -> bool:
    "A code cell that nbdev exports (its directives come first)."
    return cell.cell_type == "code" and any(l.strip() == "#| export" for l in cell.source.splitlines()[:3])


def offences(path: Path) -> list[str]:
    "The notebook's long exported cells and runs of exported cells without a check between them."
    out, prev = [], None
    for i, c in enumerate(nbformat.read(path, as_version=4).cells):
        if c.cell_type != "code": continue
        n = len([l for l in c.source.splitlines() if not l.startswith("#|")])
        if is_exported(c):
            if n > MAX_LINES: out.append(f"{path.name} cell {i} ({c.get('id')}): {n} lines, over {MAX_LINES}")
            if prev is not None: out.append(f"{path.name} cell {i} ({c.get('id')}): follows exported cell {prev} with no check between")
            prev = i
        else:
            prev = None
    return out


if __name__ == "__main__":
    found = [o for p in sorted((ROOT / "nbs").glob("[0-9]*.ipynb")) for o in offences(p)]
    print("\n".join(found) or "cell check: every exported cell is at most 60 lines and followed by a check")
    sys.exit(1 if found else 0)
