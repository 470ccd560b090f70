"""Uploads without a unit go to the configured unit and are shared with the configured group."""

from tests.apiclient import serve
from tests.migrated import migrate


def test_configured_unit_and_group_apply_to_api_uploads(make_settings):
    settings = make_settings(
        access={
            "default_unit": "Urbanisme",
            "default_group": "urbanisme",
            "default_group_permission": "read",
        }
    )
    migrate(settings.database.url)
    for api in serve(settings):
        document_id = api.upload(b"%PDF-1.4\n%%EOF\n", who="admin").json["id"]
        assert api.get(f"/api/v1/documents/{document_id}", "admin").json["unit"] == "Urbanisme"
        acl = api.get(f"/api/v1/documents/{document_id}/acl", "admin").json
        assert {"principal": "group:urbanisme", "permission": "read"} in acl["grants"]
        # the group's members read it, outsiders do not
        assert api.get(f"/api/v1/documents/{document_id}", "agent").status_code == 200
        assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 404
        # an explicit unit wins over the default
        other = api.upload(b"%PDF-1.4\n%%EOF\nx", who="admin", unit="Urbanisme").json["id"]
        assert api.get(f"/api/v1/documents/{other}", "admin").json["unit"] == "Urbanisme"
