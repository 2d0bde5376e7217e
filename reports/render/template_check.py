"""Check a Word template's tags before Jinja sees them, and say in Vietnamese where each is wrong.

Jinja stops at the first error and names it in English, at a line of the patched XML: for an
unclosed ``{% if %}`` that is the end of the document, i.e. the signer's name. The specialist who
edits the template in Word needs every mistake at once, at the paragraph they can find: its
number and first words, and the tag as they typed it. So the tags are read here paragraph by
paragraph from the part's own XML (Word keeps a tag within one paragraph), each tag is parsed on
its own, blocks are matched with a stack, and variables and filters are checked against what a
report provides, with the names a loop or ``set`` declares.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import jinja2
import jinja2.nodes
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PART_NAMES = {"document": "", "header": "đầu trang ", "footer": "chân trang "}
_DELIMITERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_OPENER = re.compile(r"\{\{|\{%|\{#")
_CLOSER = re.compile(r"\}\}|%\}|#\}")
_PREFIX = re.compile(r"^(?:p|tr|tc|r)(?=\s)")
BLOCKS = {"if": "endif", "for": "endfor", "with": "endwith", "filter": "endfilter"}
MIDDLES = {"elif": ("if",), "else": ("if", "for")}
SINGLE = ("set", "break", "continue")
TAG_NAMES = ("if", "elif", "else", "endif", "for", "endfor", "set", "with", "endwith")
SECTION_FUNCTION = "muc"
"""``{{ muc("Kiến nghị, đề xuất") }}``: a section a person writes, declared by the template."""
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_DICT_METHODS = frozenset({"items", "keys", "values", "get"})


def nearest(name: str, candidates: Iterable[str]) -> list[str]:
    """Up to three of ``candidates`` spelt like ``name`` (a typo, a letter left out)."""
    by_fold = {c.casefold(): c for c in candidates}
    scored = []
    for fold, candidate in by_fold.items():
        matcher = difflib.SequenceMatcher(None, name.casefold(), fold)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            scored.append((matcher.ratio(), candidate))
    scored = sorted((s for s in scored if s[0] >= 0.6), key=lambda s: -s[0])
    # a clear typo ("chu_thee") gets its one name, not the also-rans ("thay_the")
    return [c for score, c in scored[:3] if score >= scored[0][0] - 0.15]


@dataclass(frozen=True)
class Paragraph:
    part: str
    number: int
    text: str

    def where(self) -> str:
        words = " ".join(self.text.split())
        short = words if len(words) <= 60 else words[:60].rsplit(" ", 1)[0] + "…"
        return f"{_PART_NAMES.get(self.part, '')}đoạn {self.number} “{short}”"


@dataclass
class _Block:
    name: str
    tag: str
    prefix: str
    paragraph: Paragraph
    declared: set[str] = field(default_factory=set)
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The fields of a loop's item (``lv`` in ``for lv in linh_vuc``: ten, noi_dung)."""


def paragraphs(part: str, xml: bytes) -> list[Paragraph]:
    """The part's paragraphs (in tables too) in document order, numbered from 1."""
    root = etree.fromstring(xml)
    kind = re.sub(r"\d+$", "", part.rsplit("/", 1)[-1].removesuffix(".xml"))
    return [
        Paragraph(kind, n, "".join(t.text or "" for t in p.iter(f"{{{W}}}t")))
        for n, p in enumerate(root.iter(f"{{{W}}}p"), start=1)
    ]


def _tags(p: Paragraph, errors: list[str]) -> Iterable[tuple[str, str]]:
    """(opener, whole tag) for each tag of ``p``; a tag without its closer is an error."""
    text, pos = p.text, 0
    while True:
        opener = _OPENER.search(text, pos)
        stray = _CLOSER.search(text, pos, opener.start() if opener else len(text))
        if stray is not None:
            errors.append(
                f"thừa “{stray.group(0)}” không có thẻ mở "
                f"(…{text[max(0, stray.start() - 30) : stray.end()]}) ở {p.where()}"
            )
        if opener is None:
            return
        close = _DELIMITERS[opener.group(0)]
        end = text.find(close, opener.end())
        other = _OPENER.search(text, opener.end())
        if end < 0 or (other is not None and other.start() < end):
            stop = other.start() if other is not None and (end < 0 or other.start() < end) else None
            fragment = text[opener.start() : stop].rstrip() if stop else text[opener.start() :]
            fragment = fragment if len(fragment) <= 50 else fragment[:50] + "…"
            errors.append(f"thẻ “{fragment}” thiếu “{close}” để đóng, ở {p.where()}")
            pos = stop if stop is not None else len(text)
            continue
        yield opener.group(0), text[opener.start() : end + len(close)]
        pos = end + len(close)


def _inner(tag: str) -> str:
    body = tag[2:-2].strip("-+ \t")
    return _PREFIX.sub("", body, count=1).strip()


def _names_and_filters(ast: jinja2.nodes.Template) -> tuple[set[str], list[str]]:
    """Names a tag reads that it does not itself declare, and the filters it applies.

    (Not ``jinja2.meta.find_undeclared_variables``: it compiles, and stops at the first
    unknown filter.)"""
    names = list(ast.find_all(jinja2.nodes.Name))
    loads = {n.name for n in names if n.ctx == "load"}
    return loads - {n.name for n in names if n.ctx == "store"}, [
        f.name for f in ast.find_all(jinja2.nodes.Filter)
    ]


def _stored(ast: jinja2.nodes.Template) -> set[str]:
    return {n.name for n in ast.find_all(jinja2.nodes.Name) if n.ctx == "store"}


def _section_titles(ast: jinja2.nodes.Template) -> tuple[list[str], bool]:
    """The titles of ``muc("…")`` calls, and whether a call's title is not a plain text."""
    titles, bad = [], False
    for call in ast.find_all(jinja2.nodes.Call):
        if isinstance(call.node, jinja2.nodes.Name) and call.node.name == SECTION_FUNCTION:
            arg = call.args[0] if len(call.args) == 1 else None
            value = arg.value if isinstance(arg, jinja2.nodes.Const) else None
            if isinstance(value, str) and value.strip():
                titles.append(" ".join(value.split()))
                continue
            bad = True
    return titles, bad


def _field_of(node: jinja2.nodes.Node) -> tuple[str | None, str | None]:
    """``so_lieu.receptions`` or ``so_lieu["receptions"]`` → (so_lieu, receptions)."""
    if isinstance(node, jinja2.nodes.Getattr) and isinstance(node.node, jinja2.nodes.Name):
        return node.node.name, node.attr
    if (
        isinstance(node, jinja2.nodes.Getitem)
        and isinstance(node.node, jinja2.nodes.Name)
        and isinstance(node.arg, jinja2.nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.node.name, node.arg.value
    return None, None


class TemplateChecker:
    """Collects every mistake of a template's parts; ``errors`` is empty when all is well.

    ``fields`` are the fields of the variables that are records (``so_lieu``: the figures),
    ``items`` those of the items of the lists (``linh_vuc``: ten, noi_dung): a field spelt
    wrong is found here, with the others, rather than when a report is filled. ``sections``
    collects the titles of the written sections the template declares (``muc("…")``).
    """

    def __init__(
        self,
        env: jinja2.Environment,
        variables: Sequence[str],
        filters: Sequence[str],
        fields: Mapping[str, Sequence[str]] | None = None,
        items: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.env, self.variables, self.filters = env, tuple(variables), tuple(filters)
        self.fields = {k: tuple(v) for k, v in (fields or {}).items()}
        self.items = {k: tuple(v) for k, v in (items or {}).items()}
        self.errors: list[str] = []
        self.assigned: set[str] = set()  # by a top-level {% set %}
        self.sections: list[str] = []
        self.used: set[str] = set()  # every name a tag reads
        self._loop_fields: dict[str, tuple[str, ...]] = {}

    def _parse(self, source: str, tag: str, p: Paragraph) -> jinja2.nodes.Template | None:
        try:  # Word's curly quotes are straight ones to docxtpl
            return self.env.parse(source.translate(_STRAIGHT))
        except jinja2.TemplateSyntaxError:
            self.errors.append(f"thẻ sai cú pháp “{tag}”, ở {p.where()}")
            return None

    def _uses(self, ast: jinja2.nodes.Template, tag: str, p: Paragraph, known: set[str]) -> None:
        names, filters = _names_and_filters(ast)
        self.used |= names
        for name in sorted(names - known):
            close = nearest(name, known)
            hint = (
                f"tên gần giống: {', '.join(close)}"
                if close
                else f"các biến dùng được: {', '.join(self.variables)}"
            )
            self.errors.append(f"biến không tồn tại: {name} (thẻ “{tag}”, ở {p.where()}); {hint}")
        for name in filters:
            if name not in self.filters:
                close = nearest(name, self.filters)
                hint = (
                    f"tên gần giống: {', '.join(close)}"
                    if close
                    else f"các bộ lọc dùng được: {', '.join(self.filters)}"
                )
                self.errors.append(
                    f"bộ lọc không tồn tại: {name} (thẻ “{tag}”, ở {p.where()}); {hint}"
                )
        self._fields_used(ast, tag, p, known)
        titles, bad = _section_titles(ast)
        self.sections += [t for t in titles if t not in self.sections]
        if bad:
            self.errors.append(
                f"thẻ “{tag}”, ở {p.where()}: {SECTION_FUNCTION}(…) cần tên phần viết trong ngoặc "
                f'kép, ví dụ {{{{ {SECTION_FUNCTION}("Kiến nghị, đề xuất") }}}}'
            )

    def _fields_used(
        self, ast: jinja2.nodes.Template, tag: str, p: Paragraph, known: set[str]
    ) -> None:
        """``so_lieu.directives_aproved``: a field the record does not have, with the nearest."""
        records = {**self.fields, **self._loop_fields}
        for node in ast.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
            target, attr = _field_of(node)
            if target is None or attr is None or target not in records:
                continue
            have = records[target]
            if attr in have or attr in _DICT_METHODS:
                continue
            close = nearest(attr, have)
            hint = (
                f"tên gần giống: {', '.join(f'{target}.{c}' for c in close)}"
                if close
                else f"các trường của {target}: {', '.join(have)}"
            )
            self.errors.append(
                f"trường không tồn tại: {target}.{attr} (thẻ “{tag}”, ở {p.where()}); {hint}"
            )

    def check_part(self, part: str, xml: bytes) -> None:
        stack: list[_Block] = []
        for p in paragraphs(part, xml):
            for opener, tag in _tags(p, self.errors):
                known = set(self.variables) | self.assigned | {SECTION_FUNCTION}
                known = known.union(*(b.declared for b in stack))
                self._loop_fields = {k: v for b in stack for k, v in b.fields.items()}
                if opener == "{#":
                    continue
                if opener == "{{":
                    ast = self._parse("{{ " + _inner(tag) + " }}", tag, p)
                    if ast is not None:
                        self._uses(ast, tag, p, known)
                    continue
                self._statement(tag, p, stack, known)
        for block in reversed(stack):
            self.errors.append(
                f"khối “{block.tag}” mở ở {block.paragraph.where()} chưa đóng: "
                f"thêm “{{%{block.prefix} {BLOCKS[block.name]} %}}” sau nội dung của khối"
            )

    def _statement(self, tag: str, p: Paragraph, stack: list[_Block], known: set[str]) -> None:
        inner = _inner(tag)
        prefix_match = _PREFIX.match(tag[2:-2].strip("-+ \t"))
        prefix = prefix_match.group(0) if prefix_match else ""
        name = inner.split(None, 1)[0] if inner else ""
        if name in BLOCKS:
            ast = self._parse("{% " + inner + " %}{% " + BLOCKS[name] + " %}", tag, p)
            block = _Block(name, tag, prefix, p)
            if ast is not None:
                self._uses(ast, tag, p, known)
                block.declared = _stored(ast) | ({"loop"} if name == "for" else set())
                block.fields = self._item_fields(ast)
            stack.append(block)
        elif name in MIDDLES:
            if not stack or stack[-1].name not in MIDDLES[name]:
                self.errors.append(
                    f"thẻ “{tag}” nằm ngoài khối {' hoặc '.join(MIDDLES[name])}, ở {p.where()}"
                )
                return
            ast = self._parse("{% if true %}{% " + inner + " %}{% endif %}", tag, p)
            if ast is not None:
                self._uses(ast, tag, p, known)
        elif name in BLOCKS.values():
            self._close(name, tag, p, stack)
        elif name in SINGLE:
            ast = self._parse("{% for _ in [] %}{% " + inner + " %}{% endfor %}", tag, p)
            if ast is not None:
                self._uses(ast, tag, p, known | {"_"})
                if name == "set":
                    (stack[-1].declared if stack else self.assigned).update(_stored(ast) - {"_"})
        else:
            self.errors.append(
                f"thẻ không biết “{tag}”, ở {p.where()}; các thẻ dùng được: {', '.join(TAG_NAMES)}"
            )

    def _item_fields(self, ast: jinja2.nodes.Template) -> dict[str, tuple[str, ...]]:
        """``for lv in linh_vuc``: ``lv`` has the fields of ``linh_vuc``'s items."""
        loop = ast.find(jinja2.nodes.For)
        if (
            loop is not None
            and isinstance(loop.target, jinja2.nodes.Name)
            and isinstance(loop.iter, jinja2.nodes.Name)
            and loop.iter.name in self.items
        ):
            return {loop.target.name: self.items[loop.iter.name]}
        return {}

    def _close(self, name: str, tag: str, p: Paragraph, stack: list[_Block]) -> None:
        opener = next((k for k, v in BLOCKS.items() if v == name), "")
        depth = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].name == opener), None)
        if depth is None:
            self.errors.append(f"thẻ “{tag}” không có “{{% {opener} … %}}” mở trước, ở {p.where()}")
            return
        for block in reversed(stack[depth + 1 :]):
            self.errors.append(
                f"khối “{block.tag}” mở ở {block.paragraph.where()} chưa đóng trước “{tag}” "
                f"ở {p.where()}: thêm “{{%{block.prefix} {BLOCKS[block.name]} %}}”"
            )
        del stack[depth:]
