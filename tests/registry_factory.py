"""Build a small registry by writing rows straight into its tables, normalized ones included (for query tests)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from registry.db import writer
from registry.store import insert

T0 = datetime(2022, 1, 1, 12, 0, 0)


def add_project(con: Any, pid: str, name: str, category: str | None = None, description: str | None = None,
                stars: int | None = None, pushed_at: str | None = None, archived: bool = False,
                repo_status: str | None = "ok", moved_to: str | None = None, licences: dict | None = None,
                maturity: str | None = None, state: str | None = None, medical: bool | None = None,
                bom: list[dict] | None = None, cost: dict | None = None, source: str = "test-list",
                heading: list[str] | None = None, position: int = 0, topics: list[str] | None = None) -> None:
    """One project with its URL, a source record, a GitHub repo (for github.com ids) and normalized rows."""
    url = "https://" + pid
    insert(con, "projects", [{"id": pid, "canonical_url": url, "name": name, "description": description,
                              "category": category, "url_kind": "github-repo" if pid.startswith("github.com/")
                              else "web", "first_seen": T0, "last_seen": T0,
                              "repo_full_name": pid[len("github.com/"):] if pid.startswith("github.com/") else None}])
    insert(con, "project_urls", [{"url": url, "project_id": pid, "url_kind": "web", "first_seen": T0,
                                  "last_seen": T0}])
    insert(con, "source_records", [{"source": source, "record_key": pid, "project_id": pid, "name": name,
                                    "description": description, "urls": [url], "category": category,
                                    "heading_path": heading or ([category] if category else []), "fields": {},
                                    "position": position, "first_seen": T0, "last_seen": T0}])
    if pid.startswith("github.com/") and repo_status:
        insert(con, "repos", [{"project_id": pid, "host": "github", "full_name": pid[len("github.com/"):],
                               "status": repo_status, "moved_to": moved_to, "stars": stars,
                               "pushed_at": datetime.fromisoformat(pushed_at) if pushed_at else None,
                               "archived": archived, "default_branch": "main", "topics": topics or [],
                               "fetched_at": T0}])
    for scope, (expr, openness, copyleft) in (licences or {}).items():
        insert(con, "licences", [{"project_id": pid, "scope": scope, "expression": expr, "openness": openness,
                                  "copyleft": copyleft, "source": "file", "confidence": 1.0}])
    if maturity or state or medical is not None:
        insert(con, "maturity", [{"project_id": pid, "stage": maturity, "state": state, "medical_caution": medical}])
    if bom:
        insert(con, "bom_files", [{"project_id": pid, "path": "bom.csv", "format": "csv", "line_count": len(bom),
                                   "cost": cost}])
        insert(con, "bom_lines", [{"project_id": pid, "path": "bom.csv", "row": i + 2, **line}
                                  for i, line in enumerate(bom)])


def designs(path: Path) -> Path:
    """Six designs covering every shipped query: buildable, restricted, archived, gone, moved, priced BOMs."""
    with writer(path) as con:
        add_project(con, "github.com/a/openvent", "OpenVent", "Ventilators", "An open source ventilator.",
                    stars=100, pushed_at="2021-06-01", maturity="tested", position=1,
                    licences={"hardware": ("CERN-OHL-S-2.0", "open", "strong")},
                    bom=[{"quantity": 1, "part": "ESP32 module", "mpn": "ESP32-WROOM-32", "manufacturer": "Espressif",
                          "unit_price": 5.0, "currency": "USD"},
                         {"quantity": 2, "part": "Pressure sensor", "mpn": "BMP280", "manufacturer": "Bosch",
                          "unit_price": 3.0, "currency": "USD"},
                         {"quantity": 1, "part": "Solenoid valve"}],
                    cost={"USD": 11.0})
        add_project(con, "github.com/d/protovent", "ProtoVent", "Ventilators", "A breadboard ventilator.",
                    stars=5, pushed_at="2021-09-01", archived=True, maturity="prototype", position=2,
                    licences={"hardware": ("MIT", "open", "permissive")},
                    bom=[{"quantity": 1, "part": "Arduino Nano"}])
        add_project(con, "github.com/b/maskmaker", "MaskMaker", "Masks", "Open mask press.", stars=10,
                    pushed_at="2019-01-01", maturity="production", position=3,
                    licences={"hardware": ("CERN-OHL-P-2.0", "open", "permissive")},
                    bom=[{"quantity": 1, "part": "ESP32", "mpn": "esp32-wroom-32", "unit_price": 6.0,
                          "currency": "USD"}],
                    cost={"USD": 6.0})
        add_project(con, "github.com/c/shieldnc", "ShieldNC", "Masks", "Open face shield for clinics.", stars=3,
                    pushed_at="2021-10-01", maturity="tested", position=4,
                    licences={"documentation": ("CC-BY-NC-SA-4.0", "restricted", "strong")},
                    bom=[{"quantity": 4, "part": "Pressure sensor", "mpn": "BMP280", "unit_price": 1.0,
                          "currency": "EUR"}],
                    cost={"EUR": 4.0})
        add_project(con, "github.com/e/gonevent", "GoneVent", "Other designs", "Deleted repository.",
                    repo_status="gone", position=5)
        add_project(con, "github.com/f/movedvent", "MovedVent", "Other designs", "Renamed repository.",
                    repo_status="moved", moved_to="F/MovedVent2", pushed_at="2021-12-01", position=6)
    return path
