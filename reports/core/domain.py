"""The vocabulary of the records: kinds, fields (lĩnh vực), petition kinds, and their columns."""

from __future__ import annotations

from dataclasses import dataclass

FIELDS: dict[str, str] = {
    "kinh_te": "kinh tế",
    "do_thi": "đô thị",
    "van_hoa_xa_hoi": "văn hóa - xã hội",
    "noi_chinh": "nội chính",
}
"""Field code → the words a report uses after "Lĩnh vực"."""

PETITION_KINDS: dict[str, str] = {
    "khieu_nai": "khiếu nại",
    "to_cao": "tố cáo",
    "kien_nghi_phan_anh": "kiến nghị, phản ánh",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "text", "date", "int", "bool", "field", "petition_kind", "multiline"
    required: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    """Vietnamese name of the kind, for messages and sheet names."""
    columns: tuple[Column, ...]
    date_column: str
    """The date that places a record in a period."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type_: str = "text", required: bool = False) -> Column:
    return Column(name, type_, required)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "documents",
            "văn bản",
            (
                _c("id", required=True),
                _c("received_on", "date", True),
                _c("unit", required=True),
                _c("field", "field"),
                _c("summary", "multiline"),
            ),
            "received_on",
        ),
        Kind(
            "dossiers",
            "hồ sơ TTHC",
            (
                _c("id", required=True),
                _c("received_on", "date", True),
                _c("due_on", "date", True),
                _c("returned_on", "date"),
                _c("unit", required=True),
                _c("field", "field"),
                _c("online", "bool"),
                _c("status", "dossier_status"),
                _c("channel", "channel"),
                _c("procedure_field"),
            ),
            "received_on",
        ),
        Kind(
            "receptions",
            "tiếp công dân",
            (
                _c("id", required=True),
                _c("held_on", "date", True),
                _c("persons", "int", True),
                _c("unit", required=True),
                _c("mode", "reception_mode"),
                _c("cases", "int"),
                _c("repeat", "bool"),
                _c("group_visit", "bool"),
                _c("session"),
            ),
            "held_on",
        ),
        Kind(
            "petitions",
            "đơn thư",
            (
                _c("id", required=True),
                _c("received_on", "date", True),
                _c("kind", "petition_kind", True),
                _c("resolved_on", "date"),
                _c("unit", required=True),
            ),
            "received_on",
        ),
        Kind(
            "directives",
            "văn bản chỉ đạo",
            (
                _c("id", required=True),
                _c("approved_on", "date", True),
                _c("field", "field", True),
                _c("summary", "multiline", True),
                _c("number"),
                _c("highlight", "bool"),
                _c("unit"),
            ),
            "approved_on",
        ),
        Kind(
            "highlights",
            "hoạt động nổi bật",
            (
                _c("id", required=True),
                _c("date", "date", True),
                _c("title", required=True),
                _c("body", "multiline", True),
                _c("field", "field"),
                _c("position", "int"),
                _c("unit"),
            ),
            "date",
        ),
        Kind(
            "units",
            "đơn vị",
            (
                _c("code", required=True),
                _c("name", required=True),
                _c("parent"),
                _c("unit_type"),
                _c("place"),
                _c("absorbed"),
                _c("dissolved_on", "date"),
                _c("signer_name"),
            ),
            "",
        ),
    )
}

RECORD_KINDS = tuple(k for k in KINDS if k != "units")
