"""More like this, over the documents the caller may read."""

import pytest

from search.errors import DocumentNotIndexed
from search.searching import similar
from tests.search.conftest import make_document

WATER = "Le contrat de délégation du service public de l'eau potable et de l'assainissement"


def test_similar_documents_are_readable_ones_and_never_the_document_itself(
    opensearch_client, prefix, index
):
    index(
        make_document(1, WATER + " signé avec le délégataire.", title="Contrat eau potable"),
        make_document(2, WATER + " : avenant numéro 2.", title="Avenant contrat eau potable"),
        make_document(3, WATER + " : rapport annuel.", title="Rapport eau potable", acl=["user:9"]),
        make_document(4, "Menus de la cantine scolaire pour le mois de mars.", title="Cantine"),
    )
    hits = similar(opensearch_client, prefix, 1, ["user:1"])
    assert [hit["id"] for hit in hits] == [2]
    assert hits[0]["title"] == "Avenant contrat eau potable" and hits[0]["score"] > 0
    assert {hit["id"] for hit in similar(opensearch_client, prefix, 1, None)} == {2, 3}


def test_similar_to_a_document_the_caller_may_not_read_is_not_found(
    opensearch_client, prefix, index
):
    index(make_document(1, WATER, acl=["user:9"]), make_document(2, WATER))
    with pytest.raises(DocumentNotIndexed):
        similar(opensearch_client, prefix, 1, ["user:1"])
    with pytest.raises(DocumentNotIndexed):
        similar(opensearch_client, prefix, 404, None)
