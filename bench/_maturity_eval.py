"""Measure the OKH reader and the maturity signals against a labelled corpus (the dev set or a held-out set).

Run alone: `.venv/bin/python bench/_maturity_eval.py [CORPUS_DIR]` (default ../shared/corpus; skips if absent).
Labels are only compared against, never used to choose what to read.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from registry.normalize.maturity import Evidence, assess, text_signals  # noqa: E402
from registry.normalize.okh import Manifest, is_manifest_path, parse_manifest  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
_STOP = {
    "the", "and", "for", "with", "are", "was", "were", "has", "have", "had", "this", "that", "its", "our", "incl",
    "from", "into", "been", "not", "but", "all", "any", "can", "will", "their", "they", "you", "your", "of", "to",
    "in", "on", "a", "an", "is", "it", "as", "by", "at", "or",
}
_MIN_OVERLAP = 0.6


def _repos(labels: dict) -> list[dict]:
    repos = labels.get("repos", [])
    if isinstance(repos, dict):
        return [{"repo": k, **v} for k, v in repos.items()]
    return list(repos)


def _keywords(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9\-]*[a-z0-9]", text.lower()) if w not in _STOP and len(w) > 2}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"“”'’*_`]", "", text).lower().split())


def label_parts(label: str) -> list[str]:
    """A labelled maturity phrase split into its ';'-separated parts."""
    return [p.strip() for p in label.split(";") if p.strip()]


def part_matches(part: str, phrases: list[str]) -> bool:
    """True when a labelled part is among the evidence phrases: a quoted piece verbatim, an id-like token,
    or most of its key words in one phrase."""
    normed = [_norm(p) for p in phrases]
    quoted = re.findall(r"[\"“]([^\"”]+)[\"”]", part)
    if any(_norm(q) in p for q in quoted for p in normed):
        return True
    words = _keywords(re.sub(r"[\"“][^\"”]+[\"”]", " ", part) if quoted else part)
    distinctive = {w for w in words if re.search(r"\d", w) and re.search(r"[a-z]", w) and len(w) >= 5}
    for phrase in phrases:
        have = _keywords(phrase)
        if distinctive & have:
            return True
        if words and len(words & have) / len(words) >= _MIN_OVERLAP:
            return True
    return False


def _tree(repo_dir: Path) -> list[str]:
    meta = repo_dir / "meta.json"
    if meta.is_file():
        tree = json.loads(meta.read_text(encoding="utf-8")).get("tree") or []
        if tree:
            return list(tree)
    files = repo_dir / "files"
    return sorted(p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()) if files.is_dir() else []


def _readmes(repo_dir: Path) -> list[tuple[str, str]]:
    files = repo_dir / "files"
    if not files.is_dir():
        return []
    return [("readme", p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(files.iterdir()) if p.is_file() and p.name.lower().startswith("readme")]


def _primary(manifests: list[Manifest]) -> Manifest | None:
    good = [m for m in manifests if not m.error]
    good.sort(key=lambda m: (m.path.count("/"), not Path(m.path).name.lower().startswith("okh"), m.path))
    return good[0] if good else None


def evaluate(corpus: Path, labels: dict) -> tuple[list[str], dict]:
    """Per-repo report lines and a summary dict (manifest detection/parsing, declared licence, maturity hits)."""
    lines: list[str] = []
    s = {"repos": 0, "manifests_expected": 0, "manifests_found": 0, "manifest_false_positives": 0,
         "manifests_parsed": 0, "manifest_errors": 0, "declared_licence_expected": 0, "declared_licence_match": 0,
         "maturity_labelled": 0, "maturity_hits": 0, "maturity_parts": 0, "maturity_parts_hit": 0,
         "unlabelled_repos": 0, "unlabelled_with_stage": 0, "stages": {}, "states": {}, "medical_caution": 0}
    for lab in _repos(labels):
        name = lab.get("repo", "?")
        repo_dir = corpus / "repos" / name.replace("/", "__")
        if not repo_dir.is_dir():
            lines.append(f"{name}: not in corpus, skipped")
            continue
        s["repos"] += 1
        tree = _tree(repo_dir)
        detected = sorted(p for p in tree if is_manifest_path(p))
        expected = list(lab.get("okh_manifests") or ([lab["okh_manifest"]] if lab.get("okh_manifest") else []))
        found = sorted(set(detected) & set(expected))
        missed, extra = sorted(set(expected) - set(detected)), sorted(set(detected) - set(expected))
        s["manifests_expected"] += len(expected)
        s["manifests_found"] += len(found)
        s["manifest_false_positives"] += len(extra)
        manifests: list[Manifest] = []
        for path in detected:
            f = repo_dir / "files" / path
            if f.is_file():
                m = parse_manifest(path, f.read_bytes())
                manifests.append(m)
                s["manifests_parsed" if not m.error else "manifest_errors"] += 1
                if m.error:
                    lines.append(f"{name}: manifest {path}: error: {m.error}")
        if expected or detected:
            lines.append(f"{name}: manifests expected {len(expected)}, found {len(found)}"
                         + (f", missed {missed}" if missed else "") + (f", extra {extra}" if extra else ""))
        want = lab.get("okh_declared_licence")
        if want:
            s["declared_licence_expected"] += 1
            primary_path = lab.get("okh_manifest") or (expected[0] if expected else None)
            got = next((m.licence for m in manifests if m.path == primary_path and not m.error), None)
            want_clean = {k: v for k, v in want.items() if v}
            ok = got == want_clean
            s["declared_licence_match"] += ok
            lines.append(f"{name}: declared licence {'OK' if ok else 'MISMATCH'}: got {got}, want {want_clean}")

        texts = _readmes(repo_dir)
        evidence: list[Evidence] = [e for _, t in texts for e in text_signals(t, "readme")]
        mat = assess(manifest=_primary(manifests), texts=texts)
        stage = mat.stage or "-"
        s["stages"][stage] = s["stages"].get(stage, 0) + 1
        if mat.state:
            s["states"][mat.state] = s["states"].get(mat.state, 0) + 1
        s["medical_caution"] += mat.medical_caution
        summary = (f"declared={mat.declared} derived={mat.derived} state={mat.state} "
                   f"medical_caution={mat.medical_caution}")
        label = lab.get("maturity_evidence")
        if label:
            s["maturity_labelled"] += 1
            parts = label_parts(label)
            phrases = [e.phrase for e in evidence]
            hits = [p for p in parts if part_matches(p, phrases)]
            s["maturity_parts"] += len(parts)
            s["maturity_parts_hit"] += len(hits)
            s["maturity_hits"] += bool(hits)
            lines.append(f"{name}: maturity {'HIT' if hits else 'MISS'} ({len(hits)}/{len(parts)} parts) {summary}; "
                         f"label: {label!r}")
            for e in evidence:
                lines.append(f"    {e.value:<18} {e.phrase[:110]}")
        else:
            s["unlabelled_repos"] += 1
            s["unlabelled_with_stage"] += mat.derived is not None
            lines.append(f"{name}: maturity unlabelled {summary}; signals: {[e.value for e in evidence]}")

    def frac(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    s["maturity_evidence_hit"] = frac(s["maturity_hits"], s["maturity_labelled"])
    s["maturity_parts_fraction"] = frac(s["maturity_parts_hit"], s["maturity_parts"])
    s["manifest_recall"] = frac(s["manifests_found"], s["manifests_expected"])
    s["declared_licence_accuracy"] = frac(s["declared_licence_match"], s["declared_licence_expected"])
    return lines, s


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    labels_path = corpus / "labels.json"
    if not labels_path.is_file():
        print(f"skipped: no labelled corpus at {corpus}")
        return 0
    lines, summary = evaluate(corpus, json.loads(labels_path.read_text(encoding="utf-8")))
    print("\n".join(lines))
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
