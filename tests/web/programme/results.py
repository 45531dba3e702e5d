"""Programme results to import: sixteen made-up companies in four sectors (a CSV's lines)."""

from __future__ import annotations

HEADER = "nib,name,kbli,province,workforce,year,overall,pillar.management,field.investment,verified"


def rows() -> list[str]:
    """Plastics (4 imported + the other company = 5), chemicals 6, food 4, textiles 1."""
    out: list[str] = []
    n = 0

    def add(kbli: str, province: str, overall: float, year: int = 2024) -> None:
        nonlocal n
        n += 1
        nib = f"{9200000000000 + n}"
        out.append(
            f"{nib},PT Rahasia {n},{kbli},{province},{20 + n},{year},{overall},"
            f"{overall},{max(overall - 1, 0)},ya"
        )

    for score in (2.0, 2.5, 3.1, 3.4):
        add("22220", "Jawa Barat", score)
    for score in (1.5, 1.8, 2.2, 2.6, 3.0, 3.3):
        add("20111", "Banten", score)
    for score in (1.1, 1.2, 1.3, 1.4):
        add("10750", "Jawa Timur", score)
    add("13111", "Bali", 2.0)
    return out
