"""The official SEDA 2.2 schemas shipped with the package (seda/schemas/README.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xmlschema

NAMESPACE = "fr:gouv:culture:archivesdefrance:seda:v2.2"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


@cache
def schema() -> xmlschema.XMLSchema:
    """seda-2.2-main.xsd, loaded once per process (about a second). Only local files are
    read: xml.xsd and xlink.xsd come from xmlschema's own copies, never from the network.
    xmlschema is imported here, by the processes that check packages, not by every one."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMAS / "seda-2.2-main.xsd"), allow="local")
