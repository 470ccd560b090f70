"""/api/v1/documents/{id}/acl and /api/v1/units/{name}/acl: read and replace grants."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import acl as service
from ged.services.acl import GrantSpec
from ged.web.api.contract import DESTROYED, errors
from ged.web.api.revisions import ETAG, expected_revision, with_etag
from ged.web.api.schemas.acl import DocumentAcl, DocumentAclEdit, Grant, UnitAcl, UnitAclEdit
from ged.web.api.schemas.common import Preconditions
from ged.web.context import principal, uow

bp = APIBlueprint("acl", __name__, url_prefix="/api/v1", tag="Access control")


@bp.get("/documents/<int:document_id>/acl")
@bp.output(DocumentAcl, description="own and inherited grants", headers=ETAG)
@bp.doc(
    summary="The document's grants, inherited ones included (manage permission)",
    responses=errors(404, gone=DESTROYED),
)
def read_document_acl(document_id: int):
    return with_etag(DocumentAcl(**service.document_acl(uow(), principal(), document_id)))


@bp.put("/documents/<int:document_id>/acl")
@bp.input(Preconditions, location="headers")
@bp.input(DocumentAclEdit, location="json")
@bp.output(DocumentAcl, description="the grants as they now are", headers=ETAG)
@bp.doc(
    summary="Replace the document's own grants",
    responses=errors(404, 409, 412, 415, gone=DESTROYED),
)
def replace_document_acl(document_id: int, headers_data: Preconditions, json_data: DocumentAclEdit):
    grants = _specs(json_data.grants)
    revision = expected_revision(headers_data)
    changed = service.replace_document_acl(
        uow(), principal(), document_id, json_data.inherit, grants, revision
    )
    return with_etag(DocumentAcl(**changed))


@bp.get("/units/<unit_name>/acl")
@bp.output(UnitAcl, description="the unit's grants")
@bp.doc(
    summary="A unit's grants, inherited by its documents (archivist, admin)",
    responses=errors(403, 404),
)
def read_unit_acl(unit_name: str):
    return service.unit_acl(uow(), principal(), unit_name)


@bp.put("/units/<unit_name>/acl")
@bp.input(UnitAclEdit, location="json")
@bp.output(UnitAcl, description="the grants as they now are")
@bp.doc(summary="Replace a unit's grants (archivist, admin)", responses=errors(400, 403, 404, 415))
def replace_unit_acl(unit_name: str, json_data: UnitAclEdit):
    return service.replace_unit_acl(uow(), principal(), unit_name, _specs(json_data.grants))


def _specs(grants: list[Grant]) -> list[GrantSpec]:
    return [GrantSpec(grant.principal, grant.permission) for grant in grants]
