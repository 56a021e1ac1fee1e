"""The package stands without the notebooks: its wheel installs and imports in a fresh virtual environment,
and every third-party module it imports is a declared dependency."""
import ast
import importlib.metadata as md
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "regime_lab"


def _top_level_imports() -> set[str]:
    "Top-level module names imported anywhere in the package (any depth: lazy imports count)."
    names = set()
    for f in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import): names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"regime_lab", "__future__"}


def _declared() -> set[str]:
    "Distribution names required by the installed regime-lab metadata, without extras."
    reqs = md.requires("regime-lab") or []
    return {re.split(r"[ <>=!~;\[]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs if "extra ==" not in r}


def test_every_import_is_declared():
    dists = md.packages_distributions()
    declared = _declared()
    missing = {}
    for mod in sorted(_top_level_imports()):
        owners = {d.lower().replace("_", "-") for d in dists.get(mod, [mod])}
        if not owners & declared: missing[mod] = sorted(owners)
    assert not missing, f"imported by regime_lab but not in pyproject's dependencies: {missing}"


def test_wheel_installs_and_imports(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, cwd=tmp_path)
    [whl] = wheels.glob("regime_lab-*.whl")
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    py = env / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies come from this environment's site-packages as a plain path: its .pth files (among them
    # the editable install of the checkout) are not processed, so `regime_lab` can only come from the wheel
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site) / "deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(whl)], check=True)
    code = ("import regime_lab, regime_lab.vae_hmm, regime_lab.hedging, regime_lab.report, regime_lab.stats; "
            "print(regime_lab.__file__, regime_lab.__version__)")
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(site), f"regime_lab imported from {out.stdout!r}, not from the wheel"
    assert (Path(site) / "regime_lab" / "hmm.py").exists() and not list(Path(site).rglob("*.ipynb"))
