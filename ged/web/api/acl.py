"""/api/v1/documents/{id}/acl and /api/v1/units/{name}/acl: read and replace grants."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.errors import InvalidInput
from ged.services import acl as service
from ged.services.acl import GrantSpec
from ged.web.api.inputs import json_object
from ged.web.context import principal, uow

bp = APIBlueprint("acl", __name__, url_prefix="/api/v1", tag="Access control")


@bp.get("/documents/<int:document_id>/acl")
@bp.doc(summary="The document's grants, inherited ones included (manage permission)")
def read_document_acl(document_id: int):
    return service.document_acl(uow(), principal(), document_id)


@bp.put("/documents/<int:document_id>/acl")
@bp.doc(
    summary="Replace the document's own grants",
    description='JSON: {"inherit": true, "grants": [{"principal": "group:urbanisme", '
    '"permission": "read"}]}. inherit false keeps only these grants (narrowing the unit\'s).',
)
def replace_document_acl(document_id: int):
    body = json_object()
    inherit = body.get("inherit", True)
    if not isinstance(inherit, bool):
        raise InvalidInput("inherit must be true or false", field="inherit")
    return service.replace_document_acl(uow(), principal(), document_id, inherit, _grants(body))


@bp.get("/units/<unit_name>/acl")
@bp.doc(summary="A unit's grants, inherited by its documents (archivist, admin)")
def read_unit_acl(unit_name: str):
    return service.unit_acl(uow(), principal(), unit_name)


@bp.put("/units/<unit_name>/acl")
@bp.doc(summary="Replace a unit's grants (archivist, admin)")
def replace_unit_acl(unit_name: str):
    return service.replace_unit_acl(uow(), principal(), unit_name, _grants(json_object()))


def _grants(body: dict) -> list[GrantSpec]:
    grants = body.get("grants")
    if not isinstance(grants, list):
        raise InvalidInput("grants must be a list of {principal, permission}", field="grants")
    specs = []
    for grant in grants:
        if not (
            isinstance(grant, dict)
            and isinstance(grant.get("principal"), str)
            and isinstance(grant.get("permission"), str)
        ):
            raise InvalidInput(
                "each grant is {principal, permission}, both strings", field="grants"
            )
        specs.append(GrantSpec(grant["principal"], grant["permission"]))
    return specs
