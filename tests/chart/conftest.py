"""Fixtures for the Helm chart tests: rendering, and the default and all-features objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart.helm_render import ALL_FEATURES, MONITORING_API, Render, parse, template


@pytest.fixture(scope="session")
def chart_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chart")


@pytest.fixture(scope="session")
def render(chart_tmp: Path) -> Render:
    """Render the chart with some values and parse the objects."""

    def _render(values: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        return parse(template(chart_tmp, values, **kwargs))

    return _render


@pytest.fixture(scope="session")
def default_objects(render: Render) -> list[dict[str, Any]]:
    return render()


@pytest.fixture(scope="session")
def all_objects(render: Render) -> list[dict[str, Any]]:
    return render(ALL_FEATURES, api_versions=[MONITORING_API])
