"""The figures of data.md §3, counted by the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.periods import ReportPeriod
from reports.figures.indicators import figure_set, figures_by_unit, period_directives
from reports.store import rollup
from reports.store.schema import directives, documents, dossiers, petitions, receptions, units

P = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
D = date


def _load(engine: Engine, table: sa.Table, rows: list[dict[str, object]]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)
        rollup.rebuild_scope(conn)


def _figures(engine: Engine, period: ReportPeriod = P, unit: str | None = None):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return figure_set(conn, period, unit, trend_periods=3)


def test_documents_count_on_both_end_days_and_not_outside(engine: Engine) -> None:
    days = [D(2020, 9, 20), D(2020, 9, 21), D(2020, 9, 24), D(2020, 9, 28), D(2020, 9, 29)]
    _load(
        engine,
        documents,
        [
            {"id": f"d{i}", "received_on": d, "unit": "U1", "field": "kinh_te"}
            for i, d in enumerate(days)
        ],
    )
    fs = _figures(engine)
    assert fs.current.documents_received == 3
    assert fs.current.documents_by_field == {"kinh_te": 3}
    # previous period: the previous report's week 14/9-21/9, which shares 21/9 (issue #10)
    assert fs.previous.documents_received == 2
    assert fs.year_to_date.documents_received == 4


def test_dossier_figures(engine: Engine) -> None:
    rows = [
        # received in P, returned in P on time
        dict(id="a", received_on=D(2020, 9, 21), due_on=D(2020, 9, 25), returned_on=D(2020, 9, 24)),
        # received in P, returned on the last day, late
        dict(id="b", received_on=D(2020, 9, 22), due_on=D(2020, 9, 23), returned_on=D(2020, 9, 28)),
        # received in P, returned after P: in progress
        dict(id="c", received_on=D(2020, 9, 23), due_on=D(2020, 9, 30), returned_on=D(2020, 9, 29)),
        # received in P, not returned, due before the end: in progress and overdue
        dict(
            id="d", received_on=D(2020, 9, 21), due_on=D(2020, 9, 25), returned_on=None, online=True
        ),
        # received before P, returned in P late: counts in late, not in received/completed
        dict(id="e", received_on=D(2020, 9, 1), due_on=D(2020, 9, 10), returned_on=D(2020, 9, 22)),
        # received before P, still open, overdue
        dict(id="f", received_on=D(2020, 9, 2), due_on=D(2020, 9, 12), returned_on=None),
        # received before P, returned before P: nothing this period
        dict(id="g", received_on=D(2020, 9, 2), due_on=D(2020, 9, 12), returned_on=D(2020, 9, 10)),
    ]
    for r in rows:
        r.setdefault("online", False)
        r.update(unit="U1", field="do_thi")
    _load(engine, dossiers, rows)
    f = _figures(engine).current
    assert f.dossiers_received == 4
    assert f.dossiers_completed == 2
    assert f.dossiers_in_progress == 2
    assert f.dossiers_completed + f.dossiers_in_progress == f.dossiers_received
    assert f.dossiers_on_time == 1
    assert f.dossiers_late == 2
    assert f.on_time_rate == pytest.approx(1 / 3)
    assert f.dossiers_overdue_open == 2  # d and f (c was due 30/9)
    assert f.dossiers_online == 1
    assert f.dossiers_by_field == {"do_thi": 4}


def test_completed_for_a_long_period_uses_the_same_definition(engine: Engine) -> None:
    start = D(2020, 1, 1)
    rows = []
    for i in range(120):
        received = start + timedelta(days=i * 2)
        returned = received + timedelta(days=i % 7) if i % 5 else None
        rows.append(
            dict(
                id=f"x{i}",
                received_on=received,
                due_on=received + timedelta(days=4),
                returned_on=returned,
                unit="U1",
                online=False,
            )
        )
    _load(engine, dossiers, rows)
    period = ReportPeriod(D(2020, 1, 1), D(2020, 6, 30))
    expected = sum(
        1
        for r in rows
        if period.start <= r["received_on"] <= period.end  # type: ignore[operator]
        and r["returned_on"] is not None
        and r["returned_on"] <= period.end  # type: ignore[operator]
    )
    f = _figures(engine, period).current
    assert f.dossiers_completed == expected
    assert f.dossiers_in_progress == f.dossiers_received - expected


def test_receptions_petitions_directives(engine: Engine) -> None:
    _load(
        engine,
        receptions,
        [
            dict(id="r1", held_on=D(2020, 9, 21), persons=1, unit="U1"),
            dict(id="r2", held_on=D(2020, 9, 28), persons=5, unit="U1"),
            dict(id="r3", held_on=D(2020, 9, 29), persons=9, unit="U1"),
        ],
    )
    _load(
        engine,
        petitions,
        [
            dict(
                id="p1",
                received_on=D(2020, 9, 21),
                kind="khieu_nai",
                resolved_on=D(2020, 9, 22),
                unit="U1",
            ),
            dict(
                id="p2",
                received_on=D(2020, 8, 1),
                kind="to_cao",
                resolved_on=D(2020, 9, 25),
                unit="U1",
            ),
            dict(id="p3", received_on=D(2020, 9, 27), kind="to_cao", resolved_on=None, unit="U1"),
        ],
    )
    _load(
        engine,
        directives,
        [
            dict(id="c1", approved_on=D(2020, 9, 21), field="kinh_te", summary="A", highlight=True),
            dict(
                id="c2", approved_on=D(2020, 9, 22), field="kinh_te", summary="B", highlight=False
            ),
            dict(
                id="c3", approved_on=D(2020, 9, 28), field="noi_chinh", summary="C", highlight=False
            ),
            dict(
                id="c4", approved_on=D(2020, 9, 29), field="noi_chinh", summary="D", highlight=False
            ),
        ],
    )
    f = _figures(engine).current
    assert (f.receptions, f.reception_persons) == (2, 6)
    assert (f.petitions_received, f.petitions_resolved) == (2, 2)
    assert f.directives_approved == 3
    assert f.directives_by_field == {"kinh_te": 2, "noi_chinh": 1}
    with engine.connect() as conn:
        assert [d.id for d in period_directives(conn, P)] == ["c1", "c2", "c3"]


def test_a_unit_includes_its_sub_units(engine: Engine) -> None:
    _load(
        engine,
        units,
        [
            dict(code="CITY", name="UBND Thành phố", parent=None),
            dict(code="Q1", name="UBND quận Ba Đình", parent="CITY"),
            dict(code="P1", name="UBND phường Phúc Xá", parent="Q1"),
            dict(code="Q2", name="UBND quận Hoàn Kiếm", parent="CITY"),
        ],
    )
    _load(
        engine,
        documents,
        [
            dict(id="1", received_on=D(2020, 9, 22), unit="Q1"),
            dict(id="2", received_on=D(2020, 9, 22), unit="P1"),
            dict(id="3", received_on=D(2020, 9, 22), unit="Q2"),
            dict(id="4", received_on=D(2020, 9, 22), unit="UNLISTED"),
        ],
    )
    assert _figures(engine, unit="Q1").current.documents_received == 2
    assert _figures(engine, unit="P1").current.documents_received == 1
    assert _figures(engine, unit="CITY").current.documents_received == 3
    assert _figures(engine).current.documents_received == 4
    with engine.connect() as conn:
        per_unit = {u.code: u.figures.documents_received for u in figures_by_unit(conn, P)}
    assert per_unit == {"CITY": 3, "Q1": 2, "P1": 1, "Q2": 1}


def test_comparisons_and_trend_periods(engine: Engine) -> None:
    _load(
        engine,
        documents,
        [
            dict(id="now", received_on=D(2020, 9, 23), unit="U"),
            dict(id="ly", received_on=D(2019, 9, 23), unit="U"),
            dict(id="jan", received_on=D(2020, 1, 2), unit="U"),
            dict(id="w-1", received_on=D(2020, 9, 16), unit="U"),
        ],
    )
    with engine.connect() as conn:
        fs = figure_set(conn, P, None, trend_periods=3)
    assert fs.current.documents_received == 1
    assert fs.previous.documents_received == 1
    assert fs.last_year.documents_received == 1
    assert fs.year_to_date.documents_received == 3
    assert [p for p, _ in fs.trend] == P.trend(3)
    assert [f.documents_received for _, f in fs.trend] == [0, 1, 1]
