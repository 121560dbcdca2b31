"""Measure the BOM normalizer against the labelled corpus: file detection, line counts, README BOM rows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.normalize.bom import find_bom_files, parse_bom, readme_bom_tables  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _repo_dir(corpus: Path, repo: str) -> Path:
    return corpus / "repos" / repo.replace("/", "__")


def evaluate(corpus: Path, labels: dict) -> tuple[list[str], dict]:
    """Compare detection, per-file line counts and README BOM rows with the labels; returns (report lines, summary)."""
    out: list[str] = []
    tp = fp = fn = 0
    fp_ibom = 0
    content_rejected = 0
    per_repo: dict[str, list[int]] = {}
    exact = total_files = 0
    within1 = 0
    readme_exact = readme_total = 0
    errors = 0
    for entry in labels.get("repos", []):
        repo = entry["repo"]
        rdir = _repo_dir(corpus, repo)
        meta_path = rdir / "meta.json"
        if not meta_path.exists():
            out.append(f"{repo}: meta.json missing, skipped")
            continue
        tree = json.loads(meta_path.read_text(encoding="utf-8")).get("tree", [])
        expected = set(entry.get("bom_files") or [])
        found = set(find_bom_files(tree))
        # what a crawler that also reads the files would keep: drop pointers/lock files parse_bom rejects
        tp += len(found & expected)
        for p in sorted(found - expected):
            fp += 1
            note = ""
            if p.lower().endswith("ibom.html"):
                fp_ibom += 1
                note = " (InteractiveHtmlBom export: a BOM, but the corpus leaves these unlabelled)"
            fpath = rdir / "files" / p
            if fpath.exists():
                res = parse_bom(p, fpath.read_bytes())
                if res.error and not res.lines:
                    content_rejected += 1
                    note = f" (content check rejects it: {res.error})"
            out.append(f"DETECT FP {repo}: {p}{note}")
        for p in sorted(expected - found):
            fn += 1
            out.append(f"DETECT FN {repo}: {p}")
        counts = entry.get("bom_line_items") or {}
        for p, want in sorted(counts.items()):
            total_files += 1
            fpath = rdir / "files" / p
            if not fpath.exists():
                out.append(f"COUNT {repo}: {p}: file not in corpus")
                continue
            res = parse_bom(p, fpath.read_bytes())
            got = len(res.lines)
            if res.error:
                errors += 1
            per_repo.setdefault(repo, [0, 0])[1] += 1
            if got == want:
                exact += 1
                per_repo[repo][0] += 1
            else:
                why = f" error={res.error}" if res.error else ""
                out.append(f"COUNT MISS {repo}: {p}: expected {want}, got {got} [{res.format}]{why}")
            if abs(got - want) <= 1:
                within1 += 1
        readme_rows = entry.get("readme_bom_rows") or {}
        readmes = sorted(q for q in (rdir / "files").glob("*") if q.is_file() and q.name.lower().startswith("readme")
                         and q.suffix.lower() in (".md", ".markdown", ""))
        for q in readmes:
            readme_total += 1
            want = readme_rows.get(q.name, 0)
            got = sum(len(r.lines) for r in readme_bom_tables(q.read_text(encoding="utf-8", errors="replace"), q.name))
            if got == want:
                readme_exact += 1
            else:
                out.append(f"README MISS {repo}: {q.name}: expected {want}, got {got}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision_no_ibom = tp / (tp + fp - fp_ibom) if tp + fp - fp_ibom else 1.0
    kept = tp + fp - content_rejected
    precision_checked = tp / kept if kept else 1.0
    summary = {
        "detect_tp": tp, "detect_fp": fp, "detect_fn": fn,
        "detect_precision": round(precision, 4), "detect_recall": round(recall, 4),
        "detect_precision_excluding_unlabelled_ibom": round(precision_no_ibom, 4),
        "detect_precision_after_content_check": round(precision_checked, 4),
        "labelled_bom_files": total_files,
        "line_count_exact": round(exact / total_files, 4) if total_files else 0.0,
        "line_count_within_1": round(within1 / total_files, 4) if total_files else 0.0,
        "line_count_exact_by_repo": {r: f"{a}/{b}" for r, (a, b) in sorted(per_repo.items())},
        "line_count_exact_macro": round(sum(a / b for a, b in per_repo.values()) / len(per_repo), 4)
        if per_repo else 0.0,
        "parse_errors_on_labelled": errors,
        "readme_files": readme_total,
        "readme_rows_exact": round(readme_exact / readme_total, 4) if readme_total else 0.0,
    }
    out.append("SUMMARY " + json.dumps(summary))
    return out, summary


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    labels_path = corpus / "labels.json"
    if not labels_path.exists():
        print(f"corpus not found at {corpus}; skipping BOM evaluation")
        return 0
    lines, _summary = evaluate(corpus, json.loads(labels_path.read_text(encoding="utf-8")))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
