"""Connector secrets stay out of the logs and out of what a refused configuration says."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from pabrik.model.errors import ConfigError
from pabrik.runtime.app import build_runtime
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.settings import Settings
from tests.runtime.plant.configsites import EVERY_KIND, site

SECRETS = ("r@hasia: #1", "x'y")


def test_saving_running_and_refusing_secrets_never_logs_or_explains_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = build_runtime(Settings(data_dir=tmp_path / "data"))
    try:
        text = canonical_yaml(site(EVERY_KIND))
        assert all(secret in text for secret in SECRETS)
        assert runtime.configs.save_text(text, "ani", "every kind") == 1
        report = asyncio.run(runtime.reload_config())
        assert report is not None
        assert set(report.started) == {"plc-lama", "press-hall", "scada"}
        refusals = []
        for bad in (
            text.replace("read_interval_s: 2.5", "read_interval_s: -1"),
            text.replace("    username: pabrik\n", ""),  # a password without its user
        ):
            with pytest.raises(ConfigError) as refused:
                runtime.configs.save_text(bad, "ani")
            refusals.append(f"{refused.value} {refused.value.details} {refused.value.issues}")
    finally:
        runtime.close()
    said = caplog.text + "\n".join(refusals)
    assert "every kind" in said or "configuration v1 running" in said
    for secret in (*SECRETS, "r@hasia"):
        assert secret not in said
