"""Compare the metrics.json of two report folders value by value: `python tools/compare_metrics.py OLD NEW`.

For each report in OLD (a folder holding `<name>/metrics.json`, e.g. `reports/` or a quick run's folder), every
value of NEW's metrics.json is compared with OLD's after flattening to dotted paths; run provenance (`run.*`),
the output folder and times are left out. Numbers count as equal within 1e-9 relative. Used to show that a
refactor leaves every report's numbers as they were (same seed)."""
import json
import math
import sys
from pathlib import Path


def flat(d, prefix: str = ""):
    "Yield (dotted path, value) for every leaf of nested dicts and lists."
    if isinstance(d, dict):
        for k, v in d.items(): yield from flat(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(d, list):
        for i, v in enumerate(d): yield from flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, d


def _is_time(key: str) -> bool:
    "A measured duration (seconds, fit times): differs between runs by nature."
    leaf = key.rsplit(".", 1)[-1]
    return "time" in key or "seconds" in key or leaf.endswith("_s") or "_s_" in leaf


def comparable(path: Path) -> dict:
    "The flattened metrics without provenance, output folder and times."
    return {k: v for k, v in flat(json.loads(path.read_text()))
            if not k.startswith(("run.", "params.out_dir")) and not _is_time(k)}


def same(x, y) -> bool:
    "Equal, both NaN, or numbers within 1e-9 relative."
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
        return x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(1.0, abs(x))
    return x == y


def main(old: Path, new: Path) -> int:
    "Print, per report, how many values differ and which; 1 when any earlier value changed, else 0."
    changed = 0
    for mo in sorted(old.glob("*/metrics.json")):
        mn = new / mo.parent.name / "metrics.json"
        if not mn.exists(): print(f"== {mo.parent.name}: missing in {new}"); changed += 1; continue
        a, b = comparable(mo), comparable(mn)
        diffs = [(k, a.get(k, "<absent>"), b.get(k, "<absent>")) for k in sorted(set(a) | set(b))
                 if not same(a.get(k, "<absent>"), b.get(k, "<absent>"))]
        old_changed = [d for d in diffs if d[1] != "<absent>"]
        changed += bool(old_changed)
        print(f"== {mo.parent.name}: {len(a)} values, {len(old_changed)} changed, {len(diffs) - len(old_changed)} new")
        for k, x, y in old_changed: print(f"   {k}: {x} -> {y}")
    return int(changed > 0)


if __name__ == "__main__":
    if len(sys.argv) != 3: sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
