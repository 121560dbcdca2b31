"""Measure the licence, BOM and maturity normalizers against the hand-written labels of the corpus.

Usage: python bench/normalizers.py [CORPUS_DIR] [--quiet]
Prints per-field accuracy, every miss, and a summary against the targets (hardware licence exact
≥ 95 %, 0 NC/ND licences judged open, BOM line-item count exact ≥ 90 %). Exits 0; skips when the
corpus (../shared/corpus by default) is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import _bom_eval  # noqa: E402
import _licence_eval  # noqa: E402
import _maturity_eval  # noqa: E402


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    quiet = "--quiet" in argv
    corpus = Path(args[0]) if args else HERE.parent.parent / "shared" / "corpus"
    labels_path = corpus / "labels.json"
    if not labels_path.exists():
        print(f"skipped: no corpus at {corpus}")
        return 0
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    results = {}
    for name, mod in (("licence", _licence_eval), ("bom", _bom_eval), ("maturity", _maturity_eval)):
        lines, summary = mod.evaluate(corpus, labels)
        results[name] = summary
        if not quiet:
            print(f"\n===== {name} =====")
            print("\n".join(lines))
    lic, bom, mat = results["licence"], results["bom"], results["maturity"]
    print("\n===== summary (dev set) =====")
    rows = [
        ("hardware licence exact", f"{lic['hardware_exact']:.1%}", "≥ 95%", lic["hardware_exact"] >= 0.95),
        ("documentation licence exact", f"{lic['documentation_exact']:.1%}", "", True),
        ("software licence exact", f"{lic['software_exact']:.1%}", "", True),
        ("NC/ND licences judged open", str(lic["nc_nd_judged_open"]), "0", lic["nc_nd_judged_open"] == 0),
        ("BOM line-item count exact", f"{bom['line_count_exact']:.1%}", "≥ 90%", bom["line_count_exact"] >= 0.90),
        ("maturity evidence found", f"{mat['maturity_evidence_hit']:.1%}", "", True),
        ("OKH manifests found", f"{mat['manifests_found']}/{mat['manifests_expected']}", "", True),
    ]
    width = max(len(r[0]) for r in rows)
    for label, got, target, ok in rows:
        mark = "" if not target else ("  ok" if ok else "  MISSED")
        print(f"{label:<{width}}  {got:>8}  {target:>6}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
