"""The CoT base-event schema (MITRE's ``cot-base-event.xsd`` in ../shared/fixtures) as a
validator, for every test that checks events on the wire: Northline's own listeners
(test_tak_cot.py) and a real TAK server's clients (test_tak_taky.py).

xmlschema is not installed and lxml comes only with taky (optional), so :class:`XsdSubset`
reads the schema file itself (with defusedxml) and enforces what it declares: the root
element, required and undeclared attributes, the attribute types (xs:decimal, xs:dateTime,
xs:string) and their facets (minInclusive, maxInclusive, pattern), the xs:all content of
``event`` (point once, detail at most once) and lax xs:any content of ``detail`` (children
validated when the schema declares them). Import the ``schema`` fixture to use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring, parse

__all__ = ["DATETIME", "DECIMAL", "SimpleType", "XsdSubset", "schema"]

XS = "{http://www.w3.org/2001/XMLSchema}"

DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]\d\d:\d\d)?"
)


@dataclass
class SimpleType:
    base: str
    min_inclusive: Decimal | None = None
    max_inclusive: Decimal | None = None
    patterns: list[re.Pattern[str]] = field(default_factory=list)

    def check(self, value: str, where: str) -> list[str]:
        errors: list[str] = []
        if self.base == "xs:decimal":
            if not DECIMAL.fullmatch(value.strip()):
                return [f"{where} {value!r} is not an xs:decimal"]
            number = Decimal(value.strip())
            if self.min_inclusive is not None and number < self.min_inclusive:
                errors.append(f"{where} {value!r} < {self.min_inclusive}")
            if self.max_inclusive is not None and number > self.max_inclusive:
                errors.append(f"{where} {value!r} > {self.max_inclusive}")
        elif self.base == "xs:dateTime":
            if not DATETIME.fullmatch(value.strip()):
                errors.append(f"{where} {value!r} is not an xs:dateTime")
        elif self.base != "xs:string":
            errors.append(f"{where}: the validator does not know type {self.base}")
        # XSD patterns are anchored at both ends; \w, \d are close enough to Python's.
        errors.extend(
            f"{where} {value!r} does not match {p.pattern!r}"
            for p in self.patterns
            if not p.fullmatch(value)
        )
        return errors


@dataclass
class Attribute:
    name: str
    required: bool
    type: SimpleType


@dataclass
class ElementDecl:
    name: str
    attributes: dict[str, Attribute]
    any_attribute: bool
    group: str  # "all", "sequence" or "empty"
    children: dict[str, tuple[int, int]]  # ref -> (minOccurs, maxOccurs); -1 = unbounded
    any_children: bool


def _occurs(elem: Element) -> tuple[int, int]:
    high = elem.get("maxOccurs", "1")
    return int(elem.get("minOccurs", "1")), -1 if high == "unbounded" else int(high)


def _simple_type(attr: Element) -> SimpleType:
    if attr.get("type"):
        return SimpleType(attr.get("type", ""))
    restriction = attr.find(f"{XS}simpleType/{XS}restriction")
    assert restriction is not None, f"attribute {attr.get('name')} has no type"
    st = SimpleType(restriction.get("base", ""))
    for facet in restriction:
        value = facet.get("value", "")
        if facet.tag == f"{XS}minInclusive":
            st.min_inclusive = Decimal(value)
        elif facet.tag == f"{XS}maxInclusive":
            st.max_inclusive = Decimal(value)
        elif facet.tag == f"{XS}pattern":
            st.patterns.append(re.compile(value))
        else:
            raise AssertionError(f"unsupported facet {facet.tag}")
    return st


class XsdSubset:
    """The global element declarations of an XSD, enforced on an element tree."""

    def __init__(self, path: Path) -> None:
        schema = parse(str(path), forbid_dtd=True).getroot()
        assert schema is not None
        assert schema.tag == f"{XS}schema"
        self.elements: dict[str, ElementDecl] = {}
        for decl in schema.findall(f"{XS}element"):
            ct = decl.find(f"{XS}complexType")
            assert ct is not None
            attrs = {
                a.get("name", ""): Attribute(
                    a.get("name", ""), a.get("use") == "required", _simple_type(a)
                )
                for a in ct.findall(f"{XS}attribute")
            }
            group, children, any_children = "empty", {}, False
            for tag in ("all", "sequence"):
                g = ct.find(f"{XS}{tag}")
                if g is not None:
                    group = tag
                    for child in g:
                        if child.tag == f"{XS}element":
                            children[child.get("ref", "")] = _occurs(child)
                        elif child.tag == f"{XS}any":
                            assert child.get("processContents") == "lax"
                            any_children = True
                        else:
                            raise AssertionError(f"unsupported particle {child.tag}")
            self.elements[decl.get("name", "")] = ElementDecl(
                decl.get("name", ""),
                attrs,
                ct.find(f"{XS}anyAttribute") is not None,
                group,
                children,
                any_children,
            )

    def errors(self, elem: Element, path: str = "") -> list[str]:
        where = f"{path}/{elem.tag}"
        decl = self.elements.get(elem.tag)
        if decl is None:
            return [f"{where}: no global declaration"]
        out: list[str] = []
        for name, attr in decl.attributes.items():
            value = elem.get(name)
            if value is None:
                if attr.required:
                    out.append(f"{where} lacks required @{name}")
            else:
                out.extend(attr.type.check(value, f"{where}/@{name}"))
        if not decl.any_attribute:
            out.extend(
                f"{where} has undeclared @{n}" for n in set(elem.keys()) - set(decl.attributes)
            )
        if (elem.text or "").strip() or any((c.tail or "").strip() for c in elem):
            out.append(f"{where} has text content (not mixed)")
        counts: dict[str, int] = {}
        for child in elem:
            if child.tag in decl.children:
                counts[child.tag] = counts.get(child.tag, 0) + 1
                out.extend(self.errors(child, where))
            elif decl.any_children:
                if child.tag in self.elements:  # lax: validate what the schema declares
                    out.extend(self.errors(child, where))
            else:
                out.append(f"{where} may not contain <{child.tag}>")
        for name, (low, high) in decl.children.items():
            n = counts.get(name, 0)
            if n < low or (high != -1 and n > high):
                out.append(f"{where} has {n} <{name}>, needs {low}..{high}")
        return out

    def validate(self, data: bytes, root: str = "event") -> Element:
        elem = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        assert elem.tag == root
        problems = self.errors(elem)
        assert not problems, "\n".join(problems)
        return elem


@pytest.fixture(scope="module")
def schema(shared_fixtures: Path) -> XsdSubset:
    """The validator of the base-event schema in the shared fixtures (skipped without them)."""
    found = sorted(shared_fixtures.rglob("*.xsd"))
    assert found, "no .xsd in the shared fixtures"
    return XsdSubset(next(p for p in found if "base-event" in p.name))
