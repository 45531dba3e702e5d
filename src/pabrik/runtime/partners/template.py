"""The directory import's template: its columns and one invented example row."""

from __future__ import annotations

import csv
import io

COLUMNS = (
    "id", "kind", "name", "origin", "description", "website", "email", "practices", "skills",
    "kbli", "provinces", "languages", "sizes", "active",
)  # fmt: skip
EXAMPLE = (
    "contoh-mitra-1", "integrator", "PT Contoh Mitra (contoh / sample)", "id",
    "Contoh baris; ganti dengan data nyata / sample row; replace with real data",
    "https://contoh.example", "halo@contoh.example", "network-survey;connect-bottleneck",
    "industrial_networks;protocols", "22;10", "Jawa Barat;Banten", "id;en", "small;medium", "yes",
)  # fmt: skip


def template_csv() -> str:
    """The header and one example row; lists are separated by ';'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return out.getvalue()
