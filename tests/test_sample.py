"""The sample city: deterministic, canonical, and the reference week's figures exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from reports.compose import field_lines
from reports.indicators import figure_set, period_directives, period_highlights
from reports.sample import REFERENCE, write_sample
from reports.sources.importer import import_files

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sample")
    return write_sample(folder, start=date(2020, 8, 1), end=date(2020, 10, 31))


def test_same_seed_same_bytes(tmp_path: Path, sample: dict[str, Path]) -> None:
    again = write_sample(tmp_path, start=date(2020, 8, 1), end=date(2020, 10, 31))
    for kind, path in sample.items():
        assert again[kind].read_bytes() == path.read_bytes(), kind


def test_reference_week_figures_through_the_store(engine: Engine, sample: dict[str, Path]) -> None:
    import_files(engine, [sample[k] for k in ORDER])
    with engine.connect() as conn:
        f = figure_set(conn, REFERENCE, None, 2).current
        directives = period_directives(conn, REFERENCE)
        highlights = period_highlights(conn, REFERENCE)
    assert (
        f.documents_received,
        f.dossiers_received,
        f.dossiers_completed,
        f.dossiers_in_progress,
        f.receptions,
        f.reception_persons,
        f.petitions_received,
        f.petitions_resolved,
        f.directives_approved,
    ) == (1406, 61, 49, 12, 106, 183, 215, 212, 800)
    lines = {line.field: line.text for line in field_lines(directives)}
    assert lines["kinh_te"].startswith("chỉ đạo tiếp tục tổ chức sự kiện giới thiệu, quảng bá")
    assert lines["noi_chinh"].endswith(
        "xử phạt vi phạm hành chính trong lĩnh vực bảo vệ môi trường."
    )
    assert len(lines) == 4
    titles = [h.title for h in sorted(highlights, key=lambda h: h.position or 0)]
    assert titles[1] == "Tập trung giải ngân toàn bộ kế hoạch vốn được giao"
    assert len(titles) == 5
