"""The wizard's steps on any input: a problem per bad field, never an exception."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.runtime.setup.assemble import assemble
from pabrik.runtime.setup.draft import STEPS, Draft
from pabrik.runtime.setup.forms import amount, parse_signals, rupiah, seconds
from pabrik.runtime.setup.wizard import APPLY, FIELDS

NAMES = [
    "company", "name", "site_id", "province", "timezone",
    "machine-0-area", "machine-0-line", "machine-0-name", "machine-0-code", "machine-0-signals",
    "machine-1-name", "product-0-machine", "product-0-name", "product-0-code",
    "product-0-cycle_s", "product-0-scrap_idr", "stop", "scrap", "own_stop-0-name",
    "own_stop-0-state", "own_scrap-0-name", "shift-0-name", "shift-0-start", "shift-0-end",
    "shift-0-break_start", "shift-0-break_end", "shift-1-start", "day", "holidays",
    "energy_per_kwh_idr", "scrap_per_unit_idr", "line_cost-a",
]  # fmt: skip
forms = st.dictionaries(
    st.sampled_from(NAMES), st.lists(st.text(max_size=300), min_size=1, max_size=3), max_size=12
)


def _filled() -> Draft:
    """A draft that passed every step with the offered defaults and one machine."""
    draft = Draft()
    given_forms = {
        "site": {"company": ["PT A"], "name": ["Pabrik A"], "timezone": ["Asia/Makassar"]},
        "plant": {"machine-0-area": ["A"], "machine-0-line": ["L"], "machine-0-name": ["M 1"]},
        "products": {"product-0-name": ["Tutup"], "product-0-cycle_s": ["1,25"]},
    }
    for step in STEPS[:-1]:
        form = given_forms.get(step) or FIELDS[step](draft)
        result = APPLY[step](draft, form)
        assert result.ok, (step, result.errors)
        draft = result.draft
    return draft


@settings(max_examples=60, deadline=None)
@given(step=st.sampled_from(STEPS[:-1]), form=forms)
def test_any_form_gives_problems_or_a_draft_never_an_exception(
    step: str, form: dict[str, list[str]]
) -> None:
    result = APPLY[step](_FILLED, form)
    assert all(e.code for e in result.errors)
    if result.ok:
        site, problems = assemble(result.draft)
        assert site is not None or problems


_FILLED = _filled()


def test_a_filled_draft_is_a_valid_site_in_the_chosen_zone() -> None:
    site, problems = assemble(_FILLED)
    assert not problems
    assert site is not None
    assert site.calendar.timezone == "Asia/Makassar"
    assert site.plant().machine("m-1") is not None
    assert site.plant().machine("m-1").products[0].ideal_cycle_time_s == Decimal("1.25")  # type: ignore[union-attr]
    assert len(site.calendar.shifts) == 3
    assert site.calendar.holidays.country == "ID"


def test_rupiah_is_read_as_indonesians_write_it() -> None:
    assert rupiah("Rp 1.500.000") == Decimal(1500000)
    assert rupiah("1444,70") == Decimal("1444.70")
    assert rupiah("1444.70") == Decimal("1444.70")
    assert rupiah("1.234,5") == Decimal("1234.5")
    assert rupiah("1,234.5") == Decimal("1234.5")
    assert rupiah("lima") is None


def test_amounts_and_cycle_times_refuse_what_cannot_be_stored() -> None:
    errors: list = []  # type: ignore[type-arg]
    amount("0,001", "x", errors)
    amount("1e30", "y", errors)
    seconds("0", "z", errors)
    seconds("NaN", "w", errors)
    seconds("1e-9", "v", errors)
    seconds("0,000001", "ok", errors)
    assert [(e.field, e.code) for e in errors] == [
        ("x", "money"),
        ("y", "money"),
        ("z", "cycle_range"),
        ("w", "number"),
        ("v", "decimals"),
    ]


def test_signals_are_typed_with_their_units() -> None:
    assert parse_signals("Suhu oli: °C, tekanan [bar], getaran") == [
        ("suhu-oli", "Suhu oli", "°C"),
        ("tekanan", "tekanan", "bar"),
        ("getaran", "getaran", ""),
    ]


def test_a_draft_changed_outside_the_forms_is_a_problem_not_a_crash() -> None:
    products = [p.model_copy(update={"cycle_s": "abc"}) for p in _FILLED.products or ()]
    site, problems = assemble(_FILLED.model_copy(update={"products": products}))
    assert site is None
    assert [(p.field, p.code) for p in problems] == [("draft", "invalid")]
