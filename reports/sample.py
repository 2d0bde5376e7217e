"""A deterministic sample city: two years of the records a Hà Nội office would import.

``write_sample(folder)`` writes canonical CSV files (data.md §1) in which the week
21/9–28/9/2020 has exactly the figures of the published bulletin (1.406 văn bản, 61 hồ sơ of
which 49 returned, 106 lượt / 183 người, 215 đơn received and 212 handled, 800 văn bản chỉ đạo),
its field lines and its section II items. Every other week is believable noise: weekday volumes
like the bulletin's, fewer on weekends, almost none on public holidays. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import holidays

from reports.periods import ReportPeriod

REFERENCE = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
_REFERENCE_FILE = Path(__file__).parent / "sample_data" / "reference_week.json"

UNITS: tuple[tuple[str, str, str], ...] = (
    ("UBND-HN", "UBND thành phố Hà Nội", ""),
    ("SO-KHDT", "Sở Kế hoạch và Đầu tư", "UBND-HN"),
    ("SO-TC", "Sở Tài chính", "UBND-HN"),
    ("SO-XD", "Sở Xây dựng", "UBND-HN"),
    ("SO-TNMT", "Sở Tài nguyên và Môi trường", "UBND-HN"),
    ("SO-GTVT", "Sở Giao thông vận tải", "UBND-HN"),
    ("SO-YT", "Sở Y tế", "UBND-HN"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo", "UBND-HN"),
    ("SO-TP", "Sở Tư pháp", "UBND-HN"),
    ("SO-NV", "Sở Nội vụ", "UBND-HN"),
    ("SO-CT", "Sở Công Thương", "UBND-HN"),
    ("UBND-BA-DINH", "UBND quận Ba Đình", "UBND-HN"),
    ("P-PHUC-XA", "UBND phường Phúc Xá", "UBND-BA-DINH"),
    ("P-TRUC-BACH", "UBND phường Trúc Bạch", "UBND-BA-DINH"),
    ("P-KIM-MA", "UBND phường Kim Mã", "UBND-BA-DINH"),
    ("UBND-HOAN-KIEM", "UBND quận Hoàn Kiếm", "UBND-HN"),
    ("P-HANG-BAC", "UBND phường Hàng Bạc", "UBND-HOAN-KIEM"),
    ("P-TRANG-TIEN", "UBND phường Tràng Tiền", "UBND-HOAN-KIEM"),
    ("UBND-DONG-DA", "UBND quận Đống Đa", "UBND-HN"),
    ("P-VAN-MIEU", "UBND phường Văn Miếu", "UBND-DONG-DA"),
    ("UBND-CAU-GIAY", "UBND quận Cầu Giấy", "UBND-HN"),
    ("UBND-HAI-BA-TRUNG", "UBND quận Hai Bà Trưng", "UBND-HN"),
    ("UBND-TAY-HO", "UBND quận Tây Hồ", "UBND-HN"),
    ("UBND-LONG-BIEN", "UBND quận Long Biên", "UBND-HN"),
    ("UBND-HA-DONG", "UBND quận Hà Đông", "UBND-HN"),
    ("UBND-BAC-TU-LIEM", "UBND quận Bắc Từ Liêm", "UBND-HN"),
    ("UBND-BA-VI", "UBND huyện Ba Vì", "UBND-HN"),
    ("X-TONG-BAT", "UBND xã Tòng Bạt", "UBND-BA-VI"),
    ("X-CAM-THUONG", "UBND xã Cam Thượng", "UBND-BA-VI"),
    ("UBND-THANH-OAI", "UBND huyện Thanh Oai", "UBND-HN"),
    ("UBND-SON-TAY", "UBND thị xã Sơn Tây", "UBND-HN"),
)
_RECORD_UNITS = [code for code, _, parent in UNITS if parent]
FIELDS = ("kinh_te", "do_thi", "van_hoa_xa_hoi", "noi_chinh")

# Weekly volumes of the bulletin, spread over the working days.
_WEEKLY = {
    "documents": 1400,
    "dossiers": 60,
    "receptions": 100,
    "petitions": 200,
    "directives": 800,
}
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.05)

_ACTIONS = (
    "Ban hành quyết định phê duyệt",
    "Chỉ đạo triển khai",
    "Giao các sở, ngành tham mưu",
    "Phê duyệt kế hoạch",
    "Yêu cầu các quận, huyện, thị xã thực hiện",
    "Ban hành văn bản hướng dẫn",
    "Đôn đốc tiến độ",
    "Thông báo kết luận về",
)
_TOPICS = {
    "kinh_te": (
        "kế hoạch đầu tư công năm sau",
        "chương trình xúc tiến thương mại, nông nghiệp",
        "dự toán ngân sách bổ sung cho các đơn vị",
        "danh mục tài sản mua sắm tập trung",
        "phát triển sản phẩm OCOP của Thành phố",
        "hỗ trợ doanh nghiệp nhỏ và vừa",
    ),
    "do_thi": (
        "giải phóng mặt bằng các dự án giao thông",
        "quản lý trật tự xây dựng trên địa bàn",
        "giao đất, thu hồi đất thực hiện dự án",
        "bảo trì hạ tầng giao thông đô thị",
        "cải tạo hệ thống thoát nước",
        "chỉnh trang đô thị, chiếu sáng công cộng",
    ),
    "van_hoa_xa_hoi": (
        "phòng, chống dịch bệnh trên địa bàn",
        "công nhận trường đạt chuẩn quốc gia",
        "tổ chức các hoạt động văn hóa, thể thao",
        "chăm lo gia đình chính sách, người có công",
        "cung ứng thuốc cho các bệnh viện thuộc Thành phố",
        "đào tạo nghề cho lao động nông thôn",
    ),
    "noi_chinh": (
        "cải cách thủ tục hành chính",
        "giải quyết khiếu nại, tố cáo của công dân",
        "xử phạt vi phạm hành chính",
        "công bố danh mục thủ tục hành chính",
        "bảo đảm an ninh, trật tự an toàn xã hội",
        "khảo sát sự hài lòng của người dân",
    ),
}
_DOC_TYPES = ("Công văn", "Tờ trình", "Báo cáo", "Quyết định", "Kế hoạch", "Thông báo", "Giấy mời")
_SOURCES = (
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Xây dựng",
    "UBND quận Ba Đình",
    "Bộ Nội vụ",
    "Văn phòng Chính phủ",
    "Sở Y tế",
    "UBND huyện Ba Vì",
    "Công an Thành phố",
)


def _reference() -> dict[str, object]:
    data: dict[str, object] = json.loads(_REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


class _Writer:
    def __init__(self, folder: Path, kind: str, header: Sequence[str]) -> None:
        self.path = folder / f"{kind}.csv"
        self._fh = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(header)

    def rows(self, rows: Iterable[Sequence[object]]) -> None:
        self._csv.writerows(rows)

    def close(self) -> None:
        self._fh.close()


def _split(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """``total`` spread over len(weights) slots in proportion, summing exactly to ``total``."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    counts = [int(x) for x in raw]
    rest = total - sum(counts)
    order = sorted(
        range(len(weights)), key=lambda i: (raw[i] - counts[i], rng.random()), reverse=True
    )
    for i in order[:rest]:
        counts[i] += 1
    return counts


def _iso(d: date) -> str:
    return d.isoformat()


def write_sample(
    folder: Path,
    *,
    seed: int = 2020,
    start: date = date(2019, 1, 1),
    end: date = date(2020, 12, 31),
) -> dict[str, Path]:
    """Write units.csv, documents.csv, … into ``folder``; returns kind → path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ref = _reference()
    off = holidays.country_holidays("VN", years=range(start.year, end.year + 1))
    in_ref = REFERENCE.start <= REFERENCE.end

    writers = {
        "units": _Writer(folder, "units", ("code", "name", "parent")),
        "documents": _Writer(
            folder, "documents", ("id", "received_on", "unit", "field", "summary")
        ),
        "dossiers": _Writer(
            folder,
            "dossiers",
            ("id", "received_on", "due_on", "returned_on", "unit", "field", "online"),
        ),
        "receptions": _Writer(folder, "receptions", ("id", "held_on", "persons", "unit")),
        "petitions": _Writer(
            folder, "petitions", ("id", "received_on", "kind", "resolved_on", "unit")
        ),
        "directives": _Writer(
            folder, "directives", ("id", "approved_on", "field", "summary", "number", "highlight")
        ),
        "highlights": _Writer(
            folder, "highlights", ("id", "date", "title", "body", "field", "position")
        ),
    }
    writers["units"].rows(UNITS)

    def in_reference(d: date) -> bool:
        return in_ref and REFERENCE.start <= d <= REFERENCE.end

    ref_days = [REFERENCE.start + timedelta(days=i) for i in range(REFERENCE.days)]
    ref_weights = [_WEEKDAY_WEIGHT[d.weekday()] for d in ref_days]
    figures = ref["figures"]
    fields = ref["fields"]
    assert isinstance(figures, dict) and isinstance(fields, dict)
    ref_counts = {
        "documents": _split(figures["documents_received"], ref_weights, rng),
        "dossiers": _split(figures["dossiers_received"], ref_weights, rng),
        "receptions": _split(figures["receptions"], ref_weights, rng),
        "petitions": _split(figures["petitions_received"], ref_weights, rng),
        # the bulletin's highlighted directives (written at the end) are part of the 800
        "directives": _split(
            figures["directives_approved"] - sum(len(v) for v in fields.values()), ref_weights, rng
        ),
    }

    ref_completed = _split(figures["dossiers_completed"], ref_counts["dossiers"], rng)
    ref_extra_persons = _split(
        figures["reception_persons"] - figures["receptions"], ref_counts["receptions"], rng
    )

    def volume(kind: str, d: date) -> int:
        if in_reference(d):
            return ref_counts[kind][(d - REFERENCE.start).days]
        weight = 0.03 if d in off else _WEEKDAY_WEIGHT[d.weekday()]
        mean = _WEEKLY[kind] / sum(_WEEKDAY_WEIGHT) * weight
        return max(0, round(rng.gauss(mean, mean * 0.12)))

    # Outcomes (returned_on, resolved_on) must not fall in the reference week by chance: only the
    # records designed for it do. Anything else landing there is moved to the day after.
    after_ref = REFERENCE.end + timedelta(days=1)

    def outside(d: date | None) -> date | None:
        if d is not None and in_reference(d):
            return after_ref
        return d

    petitions_for_resolution: list[list[object]] = []
    counters = dict.fromkeys(_WEEKLY, 0)
    day = start
    while day <= end:
        iso = _iso(day)
        n = volume("documents", day)
        rows: list[tuple[object, ...]] = []
        for _ in range(n):
            counters["documents"] += 1
            f = rng.choice(FIELDS)
            rows.append(
                (
                    f"VB-{day.year}-{counters['documents']:07d}",
                    f"{iso} {rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}",
                    rng.choice(_RECORD_UNITS),
                    f,
                    f"{rng.choice(_DOC_TYPES)} của {rng.choice(_SOURCES)} "
                    f"về {rng.choice(_TOPICS[f])}",
                )
            )
        writers["documents"].rows(rows)

        n = volume("dossiers", day)
        completed_target = None
        if in_reference(day):
            completed_target = ref_completed[(day - REFERENCE.start).days]
        rows = []
        for i in range(n):
            counters["dossiers"] += 1
            due = day + timedelta(days=rng.randint(3, 15))
            returned: date | None
            if completed_target is not None:
                if i < completed_target:
                    returned = day + timedelta(days=rng.randint(0, (REFERENCE.end - day).days))
                else:
                    returned = (
                        None
                        if rng.random() < 0.3
                        else REFERENCE.end + timedelta(days=rng.randint(1, 10))
                    )
            else:
                roll = rng.random()
                if roll < 0.03 and (end - day).days < 30:
                    returned = None
                elif roll < 0.10:
                    returned = due + timedelta(days=rng.randint(1, 5))
                else:
                    returned = day + timedelta(days=rng.randint(0, (due - day).days))
                returned = outside(returned)
                if returned is not None and returned > end:
                    returned = None
            rows.append(
                (
                    f"HS-{day.year}-{counters['dossiers']:06d}",
                    iso,
                    _iso(due),
                    _iso(returned) if returned else "",
                    rng.choice(_RECORD_UNITS),
                    rng.choice(FIELDS),
                    "1" if rng.random() < 0.35 else "0",
                )
            )
        writers["dossiers"].rows(rows)

        n = volume("receptions", day)
        rows = []
        if in_reference(day):
            extra = ref_extra_persons[(day - REFERENCE.start).days] if n else 0
            persons = [1] * n
            for j in range(extra):
                persons[j % n] += 1
        else:
            persons = [1 if rng.random() < 0.7 else rng.randint(2, 4) for _ in range(n)]
        for p in persons:
            counters["receptions"] += 1
            rows.append((f"TCD-{counters['receptions']:06d}", iso, p, rng.choice(_RECORD_UNITS)))
        writers["receptions"].rows(rows)

        n = volume("petitions", day)
        for _ in range(n):
            counters["petitions"] += 1
            resolved: date | None = day + timedelta(days=rng.randint(2, 40))
            if resolved is not None and resolved > end:
                resolved = None
            petitions_for_resolution.append(
                [
                    f"DT-{counters['petitions']:06d}",
                    day,
                    rng.choice(("khieu_nai", "to_cao", "kien_nghi_phan_anh")),
                    outside(resolved),
                    rng.choice(_RECORD_UNITS),
                ]
            )

        n = volume("directives", day)
        rows = []
        for _ in range(n):
            counters["directives"] += 1
            f = rng.choice(FIELDS)
            rows.append(
                (
                    f"CD-{day.year}-{counters['directives']:06d}",
                    iso,
                    f,
                    f"{rng.choice(_ACTIONS)} {rng.choice(_TOPICS[f])}.",
                    f"{counters['directives'] % 9000 + 100}/UBND-"
                    f"{rng.choice(('KT', 'ĐT', 'KGVX', 'NC'))}",
                    "1" if (not in_reference(day) and rng.random() < 0.004) else "0",
                )
            )
        writers["directives"].rows(rows)
        day += timedelta(days=1)

    # Petitions handled in the reference week: exactly 212, received on or before the day.
    _resolve_reference(petitions_for_resolution, figures["petitions_resolved"], rng, ref_days)
    writers["petitions"].rows(
        (pid, _iso(rec), kind, _iso(res) if isinstance(res, date) else "", unit)  # type: ignore[arg-type]
        for pid, rec, kind, res, unit in petitions_for_resolution
    )

    if in_ref and start <= REFERENCE.start and REFERENCE.end <= end:
        _reference_items(writers, ref, rng)
    _weekly_highlights(writers["highlights"], start, end, rng, in_reference)
    for w in writers.values():
        w.close()
    return {kind: w.path for kind, w in writers.items()}


def _resolve_reference(
    petitions: list[list[object]], count: int, rng: random.Random, days: list[date]
) -> None:
    candidates = [
        p
        for p in petitions
        if isinstance(p[1], date) and p[1] <= days[-1] and p[1] >= days[0] - timedelta(days=45)
    ]
    rng.shuffle(candidates)
    for p in candidates[:count]:
        received = p[1]
        assert isinstance(received, date)
        allowed = [d for d in days if d >= received]
        p[3] = rng.choice(allowed)


def _reference_items(
    writers: dict[str, _Writer], ref: dict[str, object], rng: random.Random
) -> None:
    fields = ref["fields"]
    assert isinstance(fields, dict)
    rows = []
    for f, summaries in fields.items():
        for i, summary in enumerate(summaries):
            day = REFERENCE.start + timedelta(days=min(i, REFERENCE.days - 1))
            rows.append((f"CD-REF-{f}-{i + 1}", _iso(day), f, summary, f"{4200 + i}/QĐ-UBND", "1"))
    writers["directives"].rows(rows)
    highlights = ref["highlights"]
    assert isinstance(highlights, list)
    writers["highlights"].rows(
        (
            f"NB-REF-{i + 1}",
            _iso(REFERENCE.start + timedelta(days=i)),
            h["title"],
            "\n".join(h["paragraphs"]),
            "",
            i + 1,
        )
        for i, h in enumerate(highlights)
    )


def _weekly_highlights(
    writer: _Writer, start: date, end: date, rng: random.Random, skip: object
) -> None:
    assert callable(skip)
    wednesday = start + timedelta(days=(2 - start.weekday()) % 7)
    n = 0
    while wednesday <= end:
        if not skip(wednesday):
            for position in range(1, rng.randint(2, 4) + 1):
                n += 1
                f = rng.choice(FIELDS)
                topic = rng.choice(_TOPICS[f])
                deadline = wednesday + timedelta(days=30)
                writer.rows(
                    [
                        (
                            f"NB-{n:05d}",
                            _iso(wednesday + timedelta(days=position - 1)),
                            f"{rng.choice(_ACTIONS)} {topic}",
                            f"Ngày {wednesday.day}/{wednesday.month}/{wednesday.year}, "
                            "UBND Thành phố "
                            f"{rng.choice(_ACTIONS).lower()} {topic}.\n"
                            "Giao các đơn vị liên quan tổ chức thực hiện, báo cáo kết quả "
                            f"trước ngày {deadline.day}/{deadline.month}.",
                            f,
                            position,
                        )
                    ]
                )
        wednesday += timedelta(days=7)
