"""Reading the archives' answer to a transfer: an ``ArchiveTransferReply`` (the transfer is
accepted, with the archives' identifier of each unit, or rejected, with why) or an
``Acknowledgement`` (the message was received, nothing decided yet), each validated
against the official SEDA 2.2 schema before anything is read from it.

The reply is parsed by lxml with entities, DTDs and the network off (a reply comes from
outside: a document type declaration is refused outright, SEDA messages have none), so
that a validation error can name the line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from lxml import etree

from seda.schema import NAMESPACE, schema

if TYPE_CHECKING:
    import xmlschema

#: the reply codes that mean "accepted": "OK" and "WARNING" (accepted with warnings) as
#: Vitam answers, "000" as the MEDONA / SEDA 1.0 code list (As@lae, Maarch RM) does.
#: Any other code is a rejection: taking an unknown code for a refusal only sends the
#: documents back to the "à verser" queue, taking it for an acceptance would let ged's
#: copy be destroyed.
ACCEPTING_CODES = frozenset({"OK", "WARNING", "000"})
#: the outcomes of an Operation/Event that are not a reason for a rejection
_FINE_OUTCOMES = frozenset({"OK", "WARNING", "000"})
_ROOTS = {"ArchiveTransferReply": "reply", "Acknowledgement": "acknowledgement"}
_FIRST_ERRORS = 20


class InvalidMessage(ValueError):
    """The bytes are not a SEDA 2.2 reply ged can read; the message says where and why."""


@dataclass(frozen=True)
class Event:
    """One Operation/Event of a reply: a step of the archives' processing and its outcome."""

    type: str | None
    outcome: str | None
    detail: str | None

    def describe(self) -> str:
        return ": ".join(part for part in (self.type, self.detail or self.outcome) if part)


@dataclass(frozen=True)
class Reply:
    """What ged reads from an ArchiveTransferReply or an Acknowledgement."""

    kind: Literal["reply", "acknowledgement"]
    #: the reply's own MessageIdentifier
    message_identifier: str
    date: datetime
    #: the message it answers: MessageRequestIdentifier (reply) or MessageReceivedIdentifier
    request_identifier: str
    code: str | None
    comments: tuple[str, ...]
    events: tuple[Event, ...]
    grant_date: datetime | None
    archival_agency: str | None
    #: ArchiveUnit id -> the archives' identifier for it (ArchivalAgencyArchiveUnitIdentifier,
    #: else SystemId), for the units the reply names
    units: dict[str, str]

    @property
    def accepted(self) -> bool:
        return self.kind == "reply" and self.code in ACCEPTING_CODES

    def reason(self) -> str:
        """Why the archives answered so, in their words: the comments, then every event that
        did not end well."""
        said = [*self.comments]
        said += [e.describe() for e in self.events if e.outcome not in _FINE_OUTCOMES]
        said = [text for text in said if text]
        if said:
            return "; ".join(dict.fromkeys(said))
        return f"the archives answered {self.code or 'without a reply code'} without saying why"


def read_message(xml: bytes) -> Reply:
    """Parse and validate ``xml``; raise InvalidMessage saying which line and element is wrong."""
    tree = _parse(xml)
    root = tree.getroot()
    kind = _kind(root)
    _validate(tree)
    events: tuple[Event, ...] = ()
    if kind == "acknowledgement":
        request = _text(root, "MessageReceivedIdentifier")
        code, grant, agency, units = None, None, _text(root, "Receiver/Identifier"), {}
    else:
        request = _text(root, "MessageRequestIdentifier")
        code = _text(root, "ReplyCode")
        events = tuple(_event(node) for node in root.iterfind(_path("Operation/Event")))
        grant_text = _text(root, "GrantDate")
        grant = _datetime(grant_text) if grant_text else None
        agency = _text(root, "ArchivalAgency/Identifier")
        units = _units(root)
    return Reply(
        kind=kind,  # type: ignore[arg-type]
        message_identifier=_text(root, "MessageIdentifier") or "",
        date=_datetime(_text(root, "Date") or ""),
        request_identifier=request or "",
        code=code,
        comments=tuple(
            " ".join(node.text.split()) for node in root.iterfind(_path("Comment")) if node.text
        ),
        events=events,
        grant_date=grant,
        archival_agency=agency,
        units=units,
    )


def _parse(xml: bytes) -> etree._ElementTree:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        line = f"line {exc.lineno}: " if exc.lineno else ""
        raise InvalidMessage(f"the file is not well-formed XML ({line}{exc.msg})") from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise InvalidMessage(
            "the file declares a document type (<!DOCTYPE …>): a SEDA message has none, "
            "and ged does not read one"
        )
    return tree


def _kind(root: etree._Element) -> str:
    name = etree.QName(root)
    if name.namespace != NAMESPACE:
        where = f"namespace {name.namespace!r}" if name.namespace else "no namespace"
        raise InvalidMessage(
            f"the root element <{name.localname}> is in {where}, not SEDA 2.2's {NAMESPACE!r}: "
            "ask the archives for their reply in SEDA 2.2"
        )
    if name.localname not in _ROOTS:
        raise InvalidMessage(
            f"this is a SEDA {name.localname}, not an ArchiveTransferReply or an "
            "Acknowledgement: give ged the archives' answer to the transfer"
        )
    return _ROOTS[name.localname]


def _validate(tree: etree._ElementTree) -> None:
    errors = []
    for error in schema().iter_errors(tree):
        errors.append(error)
        if len(errors) == _FIRST_ERRORS:
            break
    if not errors:
        return
    first = errors[0]
    more = "+" if len(errors) == _FIRST_ERRORS else ""
    count = f"{len(errors)}{more} error{'s' if len(errors) > 1 else ''}"
    raise InvalidMessage(
        f"the file does not validate against the SEDA 2.2 schema ({count}); the first, "
        f"line {_line(first)}, at {_short(first.path or '/')}: {_short(first.reason or '')}"
    )


def _line(error: xmlschema.XMLSchemaValidationError) -> str:
    """The line of the element at fault: for a wrong or missing child, the child's own line
    when there is one, not its parent's."""
    element, index = error.elem, getattr(error, "index", None)
    if element is not None and isinstance(index, int) and 0 <= index < len(element):
        element = element[index]
    line = getattr(element, "sourceline", None)
    return str(line) if line else "?"


def _short(text: str) -> str:
    return text.replace("{" + NAMESPACE + "}", "")


def _path(path: str) -> str:
    return "/".join(f"{{{NAMESPACE}}}{step}" for step in path.split("/"))


def _text(node: etree._Element, path: str) -> str | None:
    found = node.find(_path(path))
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _event(node: etree._Element) -> Event:
    detail = (
        _text(node, "OutcomeDetailMessage")
        or _text(node, "EventDetail")
        or _text(node, "OutcomeDetail")
    )
    return Event(
        type=_text(node, "EventType") or _text(node, "EventTypeCode"),
        outcome=_text(node, "Outcome"),
        detail=detail,
    )


def _units(root: etree._Element) -> dict[str, str]:
    units = {}
    for unit in root.iter(f"{{{NAMESPACE}}}ArchiveUnit"):
        identifier = _text(unit, "Content/ArchivalAgencyArchiveUnitIdentifier") or _text(
            unit, "Content/SystemId"
        )
        if identifier and unit.get("id"):
            units[unit.get("id")] = identifier
    return units


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _datetime(text: str) -> datetime:
    """An xsd:dateTime (already validated) as an aware datetime; one without a time zone is
    taken as the server's local time, as the archives' own clock most likely is."""
    value = datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace("Z", "+00:00"))
    return value.astimezone(UTC) if value.tzinfo else value.astimezone().astimezone(UTC)
