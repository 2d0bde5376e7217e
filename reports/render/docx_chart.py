"""The trend chart of the Word report as a native DrawingML chart part (not a picture).

Values are written as literals (``c:numLit``/``c:strLit``): Word and LibreOffice draw the chart
from them, and no embedded workbook is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

_NS = (
    'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
# "#,##0" with the Vietnamese locale (LCID 0x42A): LibreOffice then groups thousands with "."
# whatever the machine's locale; Word follows the reader's regional settings either way.
_NUMBER_FORMAT = "[$-42A]#,##0"
_COLOURS = ("1F4E79", "C55A11", "548235", "7F6000")
_FONT = (
    '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1000">'
    '<a:latin typeface="Times New Roman"/><a:cs typeface="Times New Roman"/></a:defRPr></a:pPr>'
    '<a:endParaRPr lang="vi-VN"/></a:p></c:txPr>'
)


def _str_lit(values: Sequence[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{escape(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strLit><c:ptCount val="{len(values)}"/>{pts}</c:strLit>'


def _num_lit(values: Sequence[float | None]) -> str:
    # A None value has no point: the chart shows a gap there (dispBlanksAs="gap").
    pts = "".join(
        f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>' for i, v in enumerate(values) if v is not None
    )
    return f'<c:numLit><c:formatCode>{_NUMBER_FORMAT}</c:formatCode><c:ptCount val="{len(values)}"/>{pts}</c:numLit>'


def _series(
    index: int, name: str, categories: Sequence[str], values: Sequence[float | None], line: bool
) -> str:
    colour = _COLOURS[index % len(_COLOURS)]
    fill = (
        f'<c:spPr><a:ln w="28575"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></a:ln></c:spPr>'
        '<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>'
        if line
        else f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>'
        '<c:invertIfNegative val="0"/>'
    )
    smooth = '<c:smooth val="0"/>' if line else ""
    return (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f"<c:tx><c:v>{escape(name)}</c:v></c:tx>{fill}"
        f"<c:cat>{_str_lit(categories)}</c:cat><c:val>{_num_lit(values)}</c:val>{smooth}</c:ser>"
    )


def _axis_title(text: str) -> str:
    if not text:
        return ""
    return (
        '<c:title><c:tx><c:rich><a:bodyPr rot="-5400000" vert="horz"/><a:p><a:pPr>'
        '<a:defRPr sz="1000" b="0"><a:latin typeface="Times New Roman"/></a:defRPr></a:pPr>'
        f'<a:r><a:rPr lang="vi-VN" sz="1000" b="0"><a:latin typeface="Times New Roman"/></a:rPr>'
        f'<a:t>{escape(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
    )


def _axes(cat_id: int, val_id: int, secondary: bool, title: str = "") -> str:
    pos_cat, pos_val = ("t", "r") if secondary else ("b", "l")
    delete = '<c:delete val="1"/>' if secondary else '<c:delete val="0"/>'
    crosses = '<c:crosses val="max"/>' if secondary else '<c:crosses val="autoZero"/>'
    return (
        f'<c:catAx><c:axId val="{cat_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'{delete}<c:axPos val="{pos_cat}"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        f'<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_FONT}'
        f'<c:crossAx val="{val_id}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        f'<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="{val_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="{pos_val}"/>'
        + ("" if secondary else "<c:majorGridlines/>")
        + _axis_title(title)
        + f'<c:numFmt formatCode="{_NUMBER_FORMAT}" sourceLinked="0"/><c:majorTickMark val="out"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_FONT}'
        f'<c:crossAx val="{cat_id}"/>{crosses}<c:crossBetween val="between"/></c:valAx>'
    )


def chart_xml(
    categories: Sequence[str],
    bars: Mapping[str, Sequence[float | None]],
    lines: Mapping[str, Sequence[float | None]],
    title: str = "",
    axis_titles: tuple[str, str] = ("", ""),
) -> bytes:
    """Bars on the left axis, lines (smaller magnitudes) on a right-hand axis; ``axis_titles``
    name the two value axes."""
    bar_series = "".join(
        _series(i, name, categories, values, line=False)
        for i, (name, values) in enumerate(bars.items())
    )
    line_series = "".join(
        _series(len(bars) + i, name, categories, values, line=True)
        for i, (name, values) in enumerate(lines.items())
    )
    title_xml = (
        f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr sz="1100" b="1">'
        f'<a:latin typeface="Times New Roman"/></a:defRPr></a:pPr><a:r><a:rPr lang="vi-VN" sz="1100" b="1">'
        f'<a:latin typeface="Times New Roman"/></a:rPr><a:t>{escape(title)}</a:t></a:r></a:p></c:rich></c:tx>'
        f'<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        if title
        else '<c:autoTitleDeleted val="1"/>'
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace {_NS}>'
        f'<c:date1904 val="0"/><c:lang val="vi-VN"/><c:roundedCorners val="0"/><c:chart>{title_xml}<c:plotArea><c:layout/>'
        f'<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'{bar_series}<c:gapWidth val="80"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart>'
        + (
            f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{line_series}'
            f'<c:marker val="1"/><c:axId val="1003"/><c:axId val="1004"/></c:lineChart>'
            if lines
            else ""
        )
        + _axes(1001, 1002, secondary=False, title=axis_titles[0])
        + (_axes(1003, 1004, secondary=True, title=axis_titles[1]) if lines else "")
        + f'</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/>{_FONT}</c:legend>'
        f'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>{_FONT}</c:chartSpace>'
    )
    return xml.encode("utf-8")


_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_CHART_TYPES = ("barChart", "bar3DChart", "lineChart", "line3DChart", "areaChart", "scatterChart")


def _c(name: str) -> str:
    return f"{{{_C}}}{name}"


def _literal(kind: str, values: Sequence[object], format_code: str | None) -> Any:
    """A c:strLit or c:numLit holding ``values`` (and the template's number format)."""
    from lxml import etree

    fmt = f"<c:formatCode>{escape(format_code)}</c:formatCode>" if format_code is not None else ""
    pts = "".join(  # a None is a gap: no point at that index
        f'<c:pt idx="{i}"><c:v>{escape(str(v))}</c:v></c:pt>'
        for i, v in enumerate(values)
        if v is not None
    )
    xml = f'<c:{kind} xmlns:c="{_C}">{fmt}<c:ptCount val="{len(values)}"/>{pts}</c:{kind}>'
    return etree.fromstring(xml)


def _set_data(holder: Any, kind: str, values: Sequence[object]) -> None:
    """Replace the data of c:cat or c:val (a reference into an embedded sheet, or literals)
    with literals: the chart then draws this report's figures, whatever Word last cached."""
    fmt = holder.find(f".//{{{_C}}}formatCode")
    format_code = fmt.text if fmt is not None else (_NUMBER_FORMAT if kind == "numLit" else None)
    for child in list(holder):
        holder.remove(child)
    holder.append(_literal(kind, values, format_code))


def fill_chart(
    template: bytes,
    categories: Sequence[str],
    bars: Mapping[str, Sequence[float | None]],
    lines: Mapping[str, Sequence[float | None]],
) -> bytes | None:
    """The template's own chart (colours, fonts, title, axes as restyled in Word) with this
    report's series: bars then lines, matched in order to the template's series. A series the
    template lacks is a copy of its last series of that chart type; extra ones are removed.
    None when the template's chart has no bar or line series to fill (write a new chart)."""
    import copy

    from lxml import etree

    try:
        root = etree.fromstring(template)
    except etree.XMLSyntaxError:
        return None
    plot = root.find(f"{{{_C}}}chart/{{{_C}}}plotArea")
    if plot is None:
        return None
    groups = [g for g in plot if etree.QName(g).localname in _CHART_TYPES]
    bar_groups = [g for g in groups if "bar" in etree.QName(g).localname]
    line_groups = [g for g in groups if g not in bar_groups]
    wanted = [(bar_groups, bars), (line_groups, lines)]
    if any(data and not grp for grp, data in wanted):
        return None
    index = 0
    for grp, data in wanted:
        series = [s for g in grp for s in g.findall(_c("ser"))]
        if data and not series:
            return None
        for k, (name, values) in enumerate(data.items()):
            if k < len(series):
                ser = series[k]
            else:
                ser = copy.deepcopy(series[-1])
                series[-1].addnext(ser)
                series.append(ser)
            ser.find(_c("idx")).set("val", str(index))
            ser.find(_c("order")).set("val", str(index))
            tx = ser.find(_c("tx"))
            if tx is None:
                tx = etree.Element(_c("tx"))
                ser.find(_c("order")).addnext(tx)
            for child in list(tx):
                tx.remove(child)
            etree.SubElement(tx, _c("v")).text = name
            for tag, kind, points in (("cat", "strLit", categories), ("val", "numLit", values)):
                holder = ser.find(_c(tag))
                if holder is None:  # in CT_*Ser's order: cat, val, then shape/smooth/extLst
                    holder = etree.Element(_c(tag))
                    after = [ser.find(_c(n)) for n in ("val", "shape", "smooth", "extLst")]
                    later = [e for e in after[(1 if tag == "val" else 0) :] if e is not None]
                    if later:
                        later[0].addprevious(holder)
                    else:
                        ser.append(holder)
                _set_data(holder, kind, points)
            index += 1
        for extra in series[len(data) :]:
            extra.getparent().remove(extra)
    for external in root.findall(_c("externalData")):  # the embedded sheet no longer matches
        root.remove(external)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[no-any-return]
