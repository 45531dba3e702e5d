"""Every dead-letter reason the connectors and validation give has words in id and en."""

from __future__ import annotations

import pytest

from pabrik.present.i18n import Catalogues
from pabrik.present.labels import DEAD_LETTER_KEYS, coded


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("code", ["out_of_range", "decode_error"])
def test_new_dead_letter_reasons_are_worded_in_both_locales(locale: str, code: str) -> None:
    translator = Catalogues.load().get(locale)
    text = coded(translator, DEAD_LETTER_KEYS, code)
    assert text not in {code, DEAD_LETTER_KEYS.get(code)}
    assert text
