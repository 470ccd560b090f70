"""Searching a real OpenSearch: French analysis, OCR errors, identifiers, ACLs, highlights."""

import threading

import pytest

from search.client import make_client
from search.errors import InvalidQuery, SearchUnavailable
from search.index import MAPPINGS, alias_name, index_settings
from search.searching import search_documents
from tests.search.conftest import make_document


@pytest.fixture
def search(opensearch_client, prefix):
    def run(q="", acl=("user:1",), **options):
        return search_documents(
            opensearch_client, prefix, q=q, acl=list(acl) if acl is not None else None, **options
        )

    return run


def ids(result):
    return [hit["id"] for hit in result["hits"]]


def test_a_plural_with_accents_finds_the_singular_with_and_without_accents(index, search):
    index(
        make_document(1, "Le maire prend l'arrêté suivant."),
        make_document(2, "ARRETE DU MAIRE (copie numérisée sans accents)"),
        make_document(3, "Une délibération sans rapport."),
    )
    assert sorted(ids(search("arrêtés"))) == [1, 2]


def test_a_word_typed_without_accents_finds_it_with_them(index, search):
    index(make_document(1, "Extrait du registre des délibérations"), make_document(2, "Facture"))
    assert ids(search("deliberation")) == [1]


def test_an_ocr_error_still_finds_the_word_but_the_exact_match_ranks_first(index, search):
    index(
        make_document(1, "Séance du conseil rnunicipal du 12 mars."),
        make_document(2, "Séance du conseil municipal du 12 mars."),
        make_document(3, "Séance du conseil communautaire du 12 mars."),
    )
    assert ids(search("municipal")) == [2, 1]
    assert ids(search("rnunicipal")) == [1, 2]
    exact, fuzzy = search("municipal")["hits"]
    assert exact["score"] > fuzzy["score"] == 0


def test_a_phrase_matches_its_words_in_that_order_only(index, search):
    index(
        make_document(1, "Réunion du conseil municipal de Tours."),
        make_document(2, "Le municipal a pris conseil auprès du préfet."),
    )
    assert ids(search('"conseil municipal"')) == [1]
    assert sorted(ids(search("conseil municipal"))) == [1, 2]


def test_a_siret_finds_its_document_exactly_however_it_is_typed(index, search):
    index(
        make_document(
            1, "Fournisseur SIRET 732 829 320 00074", metadata={"siret": ["73282932000074"]}
        ),
        make_document(
            2, "Fournisseur SIRET 732 829 320 00075", metadata={"siret": ["73282932000075"]}
        ),
        make_document(3, "Aucun identifiant ici"),
    )
    assert ids(search("73282932000074")) == [1]
    assert ids(search("732 829 320 00074")) == [1]


def test_an_iban_a_reference_and_an_amount_are_found_exactly(index, search):
    metadata = {
        "iban": ["FR7630006000011234567890189"],
        "references": ["2026-0412"],
        "amounts": [{"value": "1234.50", "currency": "EUR", "kind": "TTC"}],
    }
    index(
        make_document(1, "Facture", metadata=metadata),
        make_document(2, "Facture 0412 de 2026 pour 1234 euros"),
    )
    assert ids(search("FR76 3000 6000 0112 3456 7890 189")) == [1]
    assert ids(search("2026-0412")) == [1]
    assert ids(search("1234,5")) == [1]


def test_counts_and_facets_cover_only_what_the_caller_may_read(index, search):
    documents = [
        make_document(
            n,
            "Rapport annuel",
            document_type="rapport" if n % 2 else "note",
            unit="Finances" if n < 5 else "Voirie",
            tags=["budget"],
            document_date=f"{2020 + n % 3}-06-01",
            acl=["user:4"] if n in (1, 2, 7) else ["user:9", "group:3"],
        )
        for n in range(1, 11)
    ]
    index(*documents)
    result = search("rapport", acl=["user:4", "group:8"])
    assert result["total"] == 3 and sorted(ids(result)) == [1, 2, 7]
    facets = result["facets"]
    assert facets["document_type"] == [
        {"value": "rapport", "count": 2},
        {"value": "note", "count": 1},
    ]
    assert facets["unit"] == [{"value": "Finances", "count": 2}, {"value": "Voirie", "count": 1}]
    assert facets["tags"] == [{"value": "budget", "count": 3}]
    assert facets["year"] == [{"value": 2022, "count": 1}, {"value": 2021, "count": 2}]
    for name in ("document_type", "unit", "year", "tags", "mime_type"):
        assert sum(bucket["count"] for bucket in facets[name]) == 3
    assert search("rapport", acl=None)["total"] == 10
    assert search("rapport", acl=[])["total"] == 0


def test_a_highlight_marks_the_words_and_names_the_page(index, search):
    index(
        make_document(
            1,
            "Page de garde.",
            "Sommaire <script>alert(1)</script>.",
            "Le stationnement est interdit rue Nationale les jours de marché.",
        )
    )
    (hit,) = search("stationnement marchés")["hits"]
    assert hit["highlights"] == [
        {
            "page": 3,
            "fragment": "Le <mark>stationnement</mark> est interdit rue Nationale les jours de "
            "<mark>marché</mark>.",
        }
    ]
    (hit,) = search("sommaire")["hits"]
    assert (
        hit["highlights"][0]["fragment"]
        == "<mark>Sommaire</mark> &lt;script&gt;alert(1)&lt;&#x2F;script&gt;."
    )


def test_a_fuzzy_match_is_highlighted_too(index, search):
    index(make_document(1, "Intro", "Vu la délibération du conseil rnunicipal."))
    (hit,) = search("municipal")["hits"]
    assert hit["highlights"] == [
        {"page": 2, "fragment": "Vu la délibération du conseil <mark>rnunicipal</mark>."}
    ]


def test_the_title_counts_more_than_the_text(index, search):
    index(
        make_document(
            1, "Budget: la subvention aux associations est reconduite.", title="Budget primitif"
        ),
        make_document(2, "Rien à voir.", title="Subvention aux associations sportives"),
    )
    assert ids(search("subvention")) == [2, 1]


def test_exclusions_and_prefixes_narrow_the_results(index, search):
    index(
        make_document(1, "Arrêté de circulation", document_type="arrete", unit="Voirie"),
        make_document(2, "Arrêté de stationnement", document_type="arrete", unit="Voirie"),
        make_document(3, "Note sur l'arrêté", document_type="note", unit="Affaires générales"),
    )
    assert sorted(ids(search("arrêté -stationnement"))) == [1, 3]
    assert sorted(ids(search("arrêté type:Arrete"))) == [1, 2]
    assert ids(search('unit:"affaires generales"')) == [3]
    assert sorted(ids(search("arrêté -type:note"))) == [1, 2]


def test_filters_by_type_unit_tag_mime_type_and_dates(index, search):
    index(
        make_document(
            1, "Facture", document_type="facture", tags=["eau"], document_date="2026-01-15"
        ),
        make_document(
            2, "Facture", document_type="facture", tags=["voirie"], document_date="2026-03-31"
        ),
        make_document(
            3,
            "Facture",
            document_type="devis",
            mime_type="image/tiff",
            document_date=None,
            created_at="2025-07-01T09:00:00Z",
        ),
    )
    assert sorted(ids(search("facture", filters={"document_type": "facture"}))) == [1, 2]
    assert ids(search("facture", filters={"tag": ["eau", "assainissement"]})) == [1]
    assert ids(search("facture", filters={"mime_type": "image/tiff"})) == [3]
    assert search("facture")["facets"]["mime_type"] == [
        {"value": "application/pdf", "count": 2},
        {"value": "image/tiff", "count": 1},
    ]
    assert ids(search(filters={"date_from": "2026-01-16", "date_to": "2026-03-31"})) == [2]
    # Without a document date, the creation date stands in for it.
    assert ids(search(filters={"date_to": "2025-12-31"})) == [3]


def test_deleted_documents_are_not_found(index, search):
    index(make_document(1, "Contrat"), make_document(2, "Contrat", status="deleted"))
    assert ids(search("contrat")) == [1]
    assert ids(search("contrat", acl=None)) == [1]


def test_pages_of_results_neither_overlap_nor_skip(index, search):
    # Equal dates and scores: only the id tie-breaker orders them.
    index(*[make_document(n, "Procès-verbal") for n in range(1, 26)])
    seen = []
    for page in (1, 2, 3):
        result = search("procès-verbal", sort="date", page=page, size=10)
        assert result["total"] == 25 and (result["page"], result["size"]) == (page, 10)
        seen += ids(result)
    assert seen == list(range(25, 0, -1))


def test_the_deepest_page_allowed_is_served(index, search):
    index(make_document(1, "Procès-verbal"))
    result = search("procès-verbal", page=500, size=20)
    assert (result["total"], result["hits"]) == (1, [])


def test_sorting_by_date_puts_the_newest_first(index, search):
    index(
        make_document(1, "Convention convention convention", document_date="2024-01-01"),
        make_document(2, "Convention", document_date="2026-01-01"),
    )
    assert ids(search("convention", sort="date")) == [2, 1]


def test_an_empty_query_lists_every_readable_document(index, search):
    index(make_document(1, "Un"), make_document(2, "Deux", acl=["user:2"]))
    assert ids(search("")) == [1]


def test_before_anything_is_indexed_a_search_finds_nothing(opensearch_client, search):
    result = search("arrêté")
    assert (result["total"], result["hits"]) == (0, [])
    assert result["facets"] == {
        "document_type": [],
        "unit": [],
        "year": [],
        "tags": [],
        "mime_type": [],
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"q": 'arrêté "conseil'}, "unbalanced quote"),
        ({"q": "x", "page": 10_000}, "too deep"),
        ({"q": "x", "filters": {"auteur": "Dupont"}}, "unknown filter 'auteur'"),
        ({"q": "x", "sort": "title"}, "sort must be one of"),
    ],
)
def test_invalid_searches_raise_a_useful_error(search, options, message):
    with pytest.raises(InvalidQuery, match=message):
        search(**options)


def test_an_unreachable_opensearch_raises_search_unavailable(prefix):
    client = make_client(["http://127.0.0.1:9"], timeout=2)
    with pytest.raises(SearchUnavailable, match="opensearch is unavailable"):
        search_documents(client, prefix, q="arrêté", acl=["user:1"])


def shard_held_back(client, prefix):
    """ged's index behind its alias, its shard kept from starting as a new index's is for a
    moment (allocation allowed to no node); returns the call that lets it start."""
    name = f"{alias_name(prefix)}-v1"
    nowhere = {"index.routing.allocation.include._name": "nowhere"}
    body = {"settings": index_settings() | nowhere, "mappings": MAPPINGS}
    client.indices.create(
        index=name, body=body | {"aliases": {alias_name(prefix): {}}}, wait_for_active_shards=0
    )
    return lambda: client.indices.put_settings(
        index=name, body={"index.routing.allocation.include._name": None}
    )


def test_a_search_while_the_shard_starts_waits_for_it(opensearch_client, prefix, search):
    release = shard_held_back(opensearch_client, prefix)
    threading.Timer(0.5, release).start()
    assert search("arrêté")["total"] == 0  # and not "unavailable"


def test_a_search_of_an_index_whose_shard_never_starts_is_unavailable(
    opensearch_client, prefix, search
):
    shard_held_back(opensearch_client, prefix)
    with pytest.raises(SearchUnavailable, match="search_phase_execution_exception"):
        search("arrêté")
