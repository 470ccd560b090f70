"""Totals in a real OpenSearch: counted exactly up to TOTAL_BOUND, past it a lower bound
that says so, unless the caller asks for the exact count (bulk actions, saved searches)."""

from search.body import TOTAL_BOUND
from search.searching import search_documents
from tests.search.conftest import make_document


def total(client, prefix, **options):
    result = search_documents(client, prefix, q="séance", acl=["user:1"], **options)
    return result["total"], result["total_is_lower_bound"]


def test_past_the_bound_the_total_is_a_lower_bound_unless_asked_exactly(
    opensearch_client, prefix, index
):
    index(*(make_document(n, "Compte rendu de séance") for n in range(1, TOTAL_BOUND + 3)))
    index(make_document(TOTAL_BOUND + 3, "Autre chose"))
    assert total(opensearch_client, prefix) == (TOTAL_BOUND, True)
    assert total(opensearch_client, prefix, exact_total=True) == (TOTAL_BOUND + 2, False)
    # The bound spares counting hits, never the facets: they count every match.
    facets = search_documents(opensearch_client, prefix, q="séance", acl=["user:1"])["facets"]
    assert facets["document_type"] == [{"value": "courrier", "count": TOTAL_BOUND + 2}]


def test_under_the_bound_the_total_is_the_count(opensearch_client, prefix, index):
    index(make_document(1, "Compte rendu de séance"), make_document(2, "Autre chose"))
    assert total(opensearch_client, prefix) == (1, False)
