"""The wizard's steps as form posts: a site with one line of two machines (httpx and Chromium)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import httpx

DRAFT = re.compile(r'name="draft" value="([^"]*)"')

SITE = {
    "company": "PT Maju Bersama",
    "name": "Pabrik Bekasi",
    "site_id": "",
    "province": "Jawa Barat",
    "timezone": "Asia/Jakarta",
}
MACHINES = {
    "machine-0-area": "Hall Produksi",
    "machine-0-line": "Lini Kemas",
    "machine-0-name": "Mesin Pengisi",
    "machine-0-code": "filler-1",
    "machine-1-area": "Hall Produksi",
    "machine-1-line": "Lini Kemas",
    "machine-1-name": "Mesin Label",
    "machine-1-code": "labeller-1",
    "machine-0-signals": "suhu: °C, tekanan: bar",
    "machine-1-signals": "kecepatan [m/menit]",
}
PRODUCTS = {
    "product-0-machine": "*",
    "product-0-name": "Botol 600 ml",
    "product-0-code": "botol-600",
    "product-0-cycle_s": "0,5",
    "product-0-scrap_idr": "1.500",
}
COSTS = {"energy_per_kwh_idr": "1.444,70", "scrap_per_unit_idr": "150"}
SHIFTS = {
    "shift-0-name": "Pagi",
    "shift-0-start": "07:00",
    "shift-0-end": "15:00",
    "shift-0-break_start": "11:30",
    "shift-0-break_end": "12:00",
    "day": ["mon", "tue", "wed", "thu", "fri"],
    "holidays": "ID",
}
REASONS = {"stop": ["breakdown", "changeover", "break"], "scrap": ["damaged"]}


def draft_of(page: str) -> str:
    """The hidden draft a wizard page carries."""
    match = DRAFT.search(page)
    assert match, "the wizard page carries its draft"
    return html.unescape(match.group(1))


async def post(
    client: httpx.AsyncClient,
    step: str,
    draft: str,
    data: Mapping[str, str | Sequence[str]],
    lang: str = "id",
) -> httpx.Response:
    """Post one wizard step with the draft so far (``action`` defaults to next)."""
    form = {**data, "draft": draft, "action": data.get("action", "next")}
    return await client.post(f"/setup/{step}?lang={lang}", data=form)


async def run_wizard(client: httpx.AsyncClient) -> httpx.Response:
    """Every step with good values, then save: the answer is the redirect to /machines."""
    draft = ""
    for step, data in (
        ("site", SITE),
        ("plant", MACHINES),
        ("products", PRODUCTS),
        ("reasons", REASONS),
        ("shifts", SHIFTS),
        ("costs", COSTS),
    ):
        r = await post(client, step, draft, data)
        assert r.status_code == 200, (step, r.text[-2000:])
        draft = draft_of(r.text)
    return await post(client, "review", draft, {"action": "save"})
