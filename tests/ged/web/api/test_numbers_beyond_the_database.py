"""Ids and numbers larger than the database can hold are answered like any other missing
document or bad parameter, never by a 500 from the database driver. Found by a
property-based fuzzer: such ids reached SQLite and PostgreSQL as integers they cannot hold
(ids are INTEGER columns: 32 bits on PostgreSQL; audit sequence numbers are BIGINT)."""

from __future__ import annotations

import pytest

from tests.ui.pages import browser

HUGE = "29514881312793346382158991720448"
JUST_TOO_LARGE = str(2**31)  # one more than PostgreSQL's INTEGER holds
LARGEST = 2**31 - 1


@pytest.mark.parametrize("number", [HUGE, JUST_TOO_LARGE])
def test_a_document_id_beyond_the_database_is_not_found(api, number):
    for answer in (
        api.get(f"/api/v1/documents/{number}/text", "admin"),
        api.get(f"/api/v1/documents/{number}", "admin"),
        api.post(f"/api/v1/documents/{number}/versions/4933/restore", "admin"),
        api.post(f"/api/v1/documents/1/versions/{number}/restore", "admin"),
    ):
        assert answer.status_code == 404, answer.data
        assert answer.mimetype == "application/problem+json"


def test_the_largest_id_the_database_holds_is_looked_up(api):
    answer = api.get(f"/api/v1/documents/{LARGEST}", "admin")
    assert answer.status_code == 404
    assert answer.json["detail"] == f"document {LARGEST} does not exist"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/documents/1/content?version={HUGE}", "version"),
        (f"/api/v1/documents/1/text?version={JUST_TOO_LARGE}", "version"),
        (f"/api/v1/search?page={HUGE}", "page"),
        (f"/api/v1/audit/events?document={HUGE}", "document"),
        (f"/api/v1/audit/events?seq_from={2**63}", "seq_from"),
    ],
)
def test_a_number_parameter_beyond_the_database_names_its_field(api, url, field):
    answer = api.get(url, "admin")
    assert answer.status_code == 400, answer.data
    assert answer.json["field"] == field


def test_audit_sequence_numbers_go_up_to_bigint(api):
    answer = api.get(f"/api/v1/audit/events?seq_from={2**40}", "admin")
    assert answer.status_code == 200
    assert answer.json["total"] == 0


def test_the_ui_answers_not_found(sqlite_api):
    assert browser(sqlite_api, "admin").get(f"/documents/{HUGE}").status_code == 404
