"""Assessment use cases: answer, score, verify, find gaps, plan a roadmap, keep an audit trail."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from pabrik.runtime.assess.answers import AnswerSheet
from pabrik.runtime.assess.attachments import EvidenceFiles
from pabrik.runtime.assess.data import ModelRegistry, load_registry
from pabrik.runtime.assess.evidence import observe_plant
from pabrik.runtime.assess.planning import Planning
from pabrik.runtime.assess.verification import Verification

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime


class Assessments(AnswerSheet, EvidenceFiles, Verification, Planning):
    """The assessment use cases for one tenant (a single default company until accounts exist)."""

    def for_tenant(
        self, tenant_id: str, company_name: str, actor: str, *, with_plant: bool
    ) -> Assessments:
        """The same use cases for another tenant and actor; plant evidence only for its owner."""
        return Assessments(
            self.store,
            self.registry,
            data_dir=self.data_dir,
            clock=self.clock,
            company_name=company_name,
            observe=self._observe if with_plant else None,
            tenant_id=tenant_id,
            actor=actor,
            timezone=self.timezone,
        )


def build_assessments(runtime: Runtime, registry: ModelRegistry | None = None) -> Assessments:
    """The assessment use cases over the runtime's store, plant and clock."""
    site = runtime.plant.site
    return Assessments(
        runtime.store,
        registry or load_registry(),
        data_dir=runtime.settings.data_dir,
        clock=runtime.clock,
        company_name=site.company or site.name,
        observe=lambda: observe_plant(runtime.store, runtime.plant, runtime.now()),
        timezone=zoneinfo.ZoneInfo(runtime.plant.calendar.timezone),
    )
