"""Fail unless the checkout is in sync: regime_lab/ is exactly what nbdev-export writes from nbs/,
nbdev-clean would change no notebook, notebooks carry no outputs, and README.md is rendered from
nbs/index.ipynb. Works on a temporary copy, so it never changes the checkout."""
import filecmp, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tools"))
from render_readme import render_readme  # noqa: E402


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


def diff(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def main() -> int:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(ROOT / "pyproject.toml", tmp)
        shutil.copytree(ROOT / "nbs", tmp / "nbs", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (tmp / "regime_lab").mkdir()
        shutil.copy(ROOT / "regime_lab" / "__init__.py", tmp / "regime_lab")
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp)}
        for cmd in (["nbdev-export"], ["nbdev-clean"]):
            r = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=tmp, capture_output=True, text=True, env=env)
            if r.returncode != 0:
                print(f"{cmd[0]} failed:\n{r.stdout}{r.stderr}")
                return 1
        changed = diff(tree(ROOT / "regime_lab"), tree(tmp / "regime_lab"))
        if changed:
            problems.append("regime_lab/ is out of sync with the notebooks (run `nbdev-export` and commit; "
                            "never edit regime_lab/ by hand). Differs: " + ", ".join(changed))
        unclean = diff(tree(ROOT / "nbs"), tree(tmp / "nbs"))
        if unclean:
            problems.append("nbdev-clean would change these notebooks (run `nbdev-clean` and commit): " + ", ".join(unclean))
    import nbformat
    with_outputs = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "nbs").rglob("*.ipynb"))
                    if ".ipynb_checkpoints" not in p.parts
                    and any(c.get("outputs") or c.get("execution_count") for c in nbformat.read(p, 4).cells)]
    if with_outputs:
        problems.append("notebooks in nbs/ must be committed without outputs (report outputs go to reports/): "
                        + ", ".join(with_outputs))
    if (ROOT / "README.md").read_text() != render_readme(ROOT / "nbs" / "index.ipynb"):
        problems.append("README.md is stale: run `make readme` (it renders nbs/index.ipynb) and commit")
    for p in problems:
        print("SYNC CHECK FAILED:", p)
    if not problems:
        print("sync check: regime_lab/, notebooks and README.md are in sync")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
