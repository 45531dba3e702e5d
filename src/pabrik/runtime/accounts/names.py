"""User names: NFKC-normalised, ASCII letters, digits and ``._-`` only, none confusable.

ASCII keeps a name readable and typeable on every keyboard of a plant, and shuts out markup,
zero-width characters and look-alikes (a Cyrillic ``а`` in ``аdmin``). A new name is also
refused when its skeleton (NFKC, casefold, and a small map of look-alike letters and digits)
matches an existing name's, so ``Admin``, ``adm1n`` or ``rnanager`` cannot pose as another
(``l``, ``1`` and ``I`` read alike).
"""

from __future__ import annotations

import re
import unicodedata

from pabrik.model.errors import InvalidRequestError

NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Cyrillic and Greek letters that look like Latin ones, and ASCII look-alikes.
CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y",
        "х": "x", "ԛ": "q", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i",
        "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
        "0": "o", "1": "i", "l": "i", "|": "i",
    }
)  # fmt: skip


def canonical(username: str) -> str:
    """The stored form of a typed name: NFKC, without surrounding spaces."""
    return unicodedata.normalize("NFKC", username).strip()


def checked_name(username: str) -> str:
    """A new user name in its stored form, or ``bad_username``."""
    name = canonical(username)
    if not NAME.fullmatch(name):
        raise InvalidRequestError(
            "a user name has 1 to 64 letters a-z, digits, dots, dashes or underscores",
            reason="bad_username",
        )
    return name


def skeleton(username: str) -> str:
    """What a name looks like: casefolded, look-alikes mapped, 'rn' read as 'm'."""
    text = unicodedata.normalize("NFKC", username).casefold().translate(CONFUSABLES)
    return text.replace("rn", "m")
