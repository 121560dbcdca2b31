"""Licence normalizer: turn licence files, README statements, manifests and hub fields into SPDX expressions.

Every function here is pure (text in, values out) so the crawler, `ohr renormalize` and the tests share one
reading of a project's licences. One module per concern, each reading only those before it:

- `spdx`: validate and render SPDX expressions; `LicenseRef-` ids for the rest.
- `verdicts`: openness and copyleft class of an expression.
- `results`: the values handed back (`LicenceResult`, `LicenceField`, `LicenceStatement`).
- `mentions`: licence names in free text, one small matcher per licence family.
- `names`: a licence field's value ('CERN OHL', 'GPL-3.0 or MIT') as one expression (aliases in data/names.toml).
- `markdown`, `prose`: README markup to paragraphs and sentences; the licences they state and for what.
- `texts`: licence files, recognised by their full text's sentences (data/signatures.toml) or read as prose.
- `content`: the content types a repository tree holds (data/content_types.toml).
- `choice`: README offers of alternatives ('TAPR OHL or GPLv3') and per-part statements beside licence files.
- `resolution`: `resolve`, the labelling convention over every source of one project.
"""

from __future__ import annotations

from registry.normalize.licence.content import content_types
from registry.normalize.licence.names import normalize_name
from registry.normalize.licence.prose import readme_licences
from registry.normalize.licence.resolution import resolve
from registry.normalize.licence.results import FIELDS, LicenceField, LicenceResult, LicenceStatement
from registry.normalize.licence.texts import identify_text
from registry.normalize.licence.verdicts import copyleft, openness

__all__ = [
    "FIELDS",
    "LicenceField",
    "LicenceResult",
    "LicenceStatement",
    "content_types",
    "copyleft",
    "identify_text",
    "normalize_name",
    "openness",
    "readme_licences",
    "resolve",
]
