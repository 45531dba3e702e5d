"""The assessed company: its size, business profile and how the profile is stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import CompanyProfile
from pabrik.runtime.assess.codec import fraction_text

DEFAULT_COMPANY = "default"


@dataclass(frozen=True, slots=True)
class Company:
    """The assessed company with its size and business profile."""

    id: str
    name: str
    size: PlantSize
    profile: CompanyProfile
    sector: str | None = None
    province: str | None = None


def profile_json(profile: CompanyProfile) -> str:
    """A business profile as stored JSON, with exact cost shares."""
    return json.dumps(
        {
            "priorities": dict(sorted(profile.priorities.items())),
            "cost_shares": {k: fraction_text(v) for k, v in sorted(profile.cost_shares.items())},
        },
        sort_keys=True,
    )


def profile_from_json(text: str) -> CompanyProfile:
    """A business profile read back from its stored JSON."""
    data = json.loads(text or "{}")
    return CompanyProfile(
        priorities={str(k): int(v) for k, v in data.get("priorities", {}).items()},
        cost_shares={str(k): Fraction(v) for k, v in data.get("cost_shares", {}).items()},
    )
