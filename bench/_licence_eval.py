"""Evaluate the licence normalizer against the labelled corpus (../shared/corpus), field by field.

Runs `registry.normalize.licence.resolve` on each labelled repository using only what the crawler would have:
the tree (meta.json), licence files in the first two levels, root READMEs, a root OKH manifest and an
approximation of GitHub's API licence field. Run alone: `.venv/bin/python bench/_licence_eval.py`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from registry.normalize.licence import FIELDS, LicenceResult, openness, resolve  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
_LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|copyright)([-_. ].*)?$", re.I)  # as crawler.github_repos
_NC_ND = re.compile(r"CC-BY(?:-[A-Z]+)*-(?:NC|ND)\b", re.I)


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def _api_guesser(corpus: Path) -> Any:
    """`guess_spdx` from the fake GitHub server next to the corpus, or None when it is not there."""
    tool = corpus.parent / "tools" / "fake_github.py"
    if not tool.is_file():
        return None
    spec = importlib.util.spec_from_file_location("_ohr_fake_github", tool)
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:  # noqa: BLE001 - an optional helper; evaluate without the API field
        return None
    return getattr(mod, "guess_spdx", None)


def _manifest(files_dir: Path) -> dict[str, Any] | None:
    """Licence mapping of a root-level OKH manifest (a manifest deeper in the tree describes something else)."""
    import yaml

    for p in sorted(files_dir.glob("*")):
        name = p.name.lower()
        if not p.is_file() or "okh" not in name or p.suffix.lower() not in (".yml", ".yaml", ".toml"):
            continue
        text = _read(p)
        data: Any = None
        try:
            if p.suffix.lower() == ".toml":
                import tomllib

                data = tomllib.loads(text)
            else:
                data = yaml.safe_load(text)
        except Exception:  # noqa: BLE001 - a broken manifest is skipped
            continue
        if isinstance(data, dict) and any(k in data for k in ("license", "licence")):
            return data
    return None


def inputs(folder: Path, guess: Any = None) -> dict[str, Any]:
    """The keyword arguments `resolve` gets for one corpus repository."""
    meta = json.loads((folder / "meta.json").read_text())
    files_dir = folder / "files"
    files: dict[str, str] = {}
    readmes: list[tuple[str, str]] = []
    if files_dir.is_dir():
        for p in sorted(files_dir.rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(files_dir).as_posix()
            if rel.count("/") <= 1 and _LICENCE_NAME.match(p.name):
                files[rel] = _read(p)
            if "/" not in rel and p.name.lower().startswith("readme"):
                readmes.append((rel, _read(p)))
    readmes.sort(key=lambda r: (not r[0].lower().endswith(".md"), r[0]))
    api = None
    tops = sorted((p for p in files if "/" not in p), key=len)
    if tops and guess is not None:
        g = guess(files[tops[0]])
        api = g[0] if g else "NOASSERTION"
    return {
        "files": files,
        "readme": "\n\n".join(text for _, text in readmes) or None,
        "manifest": _manifest(files_dir) if files_dir.is_dir() else None,
        "api_spdx": api,
        "paths": list(meta.get("tree") or []),
    }


def _same(a: str | None, b: str | None) -> bool:
    """Equal licences: both absent, or the same SPDX expression up to operand order."""
    if not a or not b:
        return not a and not b
    if a == b:
        return True
    from license_expression import get_spdx_licensing

    lic = get_spdx_licensing()
    try:
        return lic.parse(a).simplify() == lic.parse(b).simplify()
    except Exception:  # noqa: BLE001
        return False


def _nc_nd_judged_open(want: str | None, got: str | None) -> int:
    """1 when an NC/ND licence was called open: the label's NC/ND licence (not merely an OR alternative) came out
    open, or one of our NC/ND ids on its own is judged open."""
    if want and _NC_ND.search(want) and openness(want) != "open" and openness(got) == "open":
        return 1
    leaves = re.findall(r"[A-Za-z0-9.+\-]+", got or "")
    return int(any(_NC_ND.search(k) and openness(k) == "open" for k in leaves))


def evaluate(corpus: Path, labels: dict) -> tuple[list[str], dict]:
    """Run the normalizer on every labelled repo; return printable lines and a summary of the figures."""
    repos_dir = corpus / "repos" if (corpus / "repos").is_dir() else corpus
    guess = _api_guesser(corpus)
    items = labels.get("repos", labels)
    if isinstance(items, dict):
        items = [dict(v, repo=k) for k, v in items.items()]
    hits = dict.fromkeys(FIELDS, 0)
    nonnull = {f: [0, 0] for f in FIELDS}
    misses: list[str] = []
    nc_nd_open = 0
    n = 0
    for item in items:
        folder = repos_dir / item["repo"].replace("/", "__")
        if not (folder / "meta.json").is_file():
            continue
        n += 1
        result: LicenceResult = resolve(**inputs(folder, guess))
        for fld in FIELDS:
            want = item.get(f"{fld}_licence")
            got_field = result.get(fld)
            got = got_field.expression if got_field else None
            ok = _same(want, got)
            hits[fld] += ok
            if want:
                nonnull[fld][0] += ok
                nonnull[fld][1] += 1
            nc_nd_open += _nc_nd_judged_open(want, got)
            if not ok:
                ev = f"{got_field.source}: {got_field.evidence}" if got_field else "no evidence used"
                misses.append(f"  MISS {item['repo']} {fld}: expected {want!r}, got {got!r} [{ev[:220]}]")
    lines = [f"licence normalizer on {n} labelled repositories ({repos_dir})"]
    summary: dict[str, Any] = {"repos": n, "nc_nd_judged_open": nc_nd_open, "misses": len(misses)}
    for fld in FIELDS:
        frac = hits[fld] / n if n else 0.0
        summary[f"{fld}_exact"] = round(frac, 4)
        ok, tot = nonnull[fld]
        summary[f"{fld}_exact_nonnull"] = round(ok / tot, 4) if tot else None
        lines.append(f"  {fld:<13} exact {hits[fld]:>2}/{n} = {frac:6.1%}   (licensed repos: {ok}/{tot})")
    lines.append(f"  NC/ND licences judged open: {nc_nd_open}")
    lines.extend(misses)
    return lines, summary


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation of the default corpus (or argv[0]); skip (exit 0) when it is absent."""
    args = sys.argv[1:] if argv is None else argv
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    labels_path = corpus / "labels.json"
    if not labels_path.is_file():
        print(f"skipped: no labelled corpus at {corpus}")
        return 0
    lines, _ = evaluate(corpus, json.loads(labels_path.read_text()))
    try:
        print("\n".join(lines))
    except BrokenPipeError:  # piped into head
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
