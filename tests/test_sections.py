"""The sections a person writes, as data: typed text in, blocks out, JSON and back."""

from __future__ import annotations

import json
from dataclasses import replace

from reports.compose import report_json
from reports.core.sections import (
    Block,
    WrittenSection,
    blocks_from_text,
    sections_from_json,
    sections_to_json,
)
from reports.settings.load import Settings
from tests.conftest import make_report


def test_typed_text_becomes_paragraphs_and_bullet_lists() -> None:
    text = "Tình hình ổn định,\nđạt kế hoạch.\n\n- Hoàn thành đề án A;\n- Tổ chức hội nghị B.\nKết luận."
    assert blocks_from_text(text) == (
        Block(text="Tình hình ổn định, đạt kế hoạch."),
        Block(bullets=("Hoàn thành đề án A;", "Tổ chức hội nghị B.")),
        Block(text="Kết luận."),
    )


def test_an_empty_section_says_so_and_round_trips() -> None:
    empty = WrittenSection("kien_nghi", "Kiến nghị, đề xuất", blocks_from_text("  \n\n "))
    full = WrittenSection("nhiem_vu", "Nhiệm vụ trọng tâm kỳ tới", blocks_from_text("- Một\n- Hai"))
    assert empty.empty and not full.empty
    assert full.as_text() == "- Một\n- Hai"
    assert sections_from_json(sections_to_json((empty, full))) == (empty, full)
    assert sections_from_json(None) == ()


def test_a_report_stored_before_sections_existed_loads(settings: Settings) -> None:
    written = (WrittenSection("nhiem_vu", "Nhiệm vụ", blocks_from_text("- Một")),)
    report = replace(make_report(settings), written=written)
    assert report_json.loads(report_json.dumps(report)).written == written
    plain = json.loads(report_json.dumps(report))
    del plain["written"]
    assert report_json.loads(json.dumps(plain).encode()).written == ()
