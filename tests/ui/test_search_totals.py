"""Past TOTAL_BOUND matches the search stops counting: the API says its total is a lower
bound and the search page says « Plus de 10 000 documents » (real services; the
documents are written straight to the index, ten thousand uploads being too slow)."""

from search.body import TOTAL_BOUND
from search.client import make_client
from search.indexing import index_documents
from tests.search.conftest import make_document
from tests.ui.pages import browser


def test_past_the_bound_the_api_and_the_page_say_more_than(sqlite_api):
    settings = sqlite_api.settings
    client = make_client(settings.opensearch.urls)
    try:
        documents = [make_document(n, "Compte rendu de séance") for n in range(1, TOTAL_BOUND + 2)]
        index_documents(client, settings.opensearch.index_prefix, documents, refresh=True)
    finally:
        client.close()
    answer = sqlite_api.get("/api/v1/search?q=séance", "admin").json
    assert (answer["total"], answer["total_is_lower_bound"]) == (TOTAL_BOUND, True)
    page = browser(sqlite_api, "admin").get("/recherche?q=séance").get_data(as_text=True)
    assert "Plus de 10\u202f000 documents" in page
    few = browser(sqlite_api, "admin").get("/recherche?q=rien").get_data(as_text=True)
    assert "Plus de" not in few and "0 document" in few
