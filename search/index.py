"""The documents index: its definition, its names, and creating it.

Readers only ever use the alias ``<prefix>-documents``; it points at one concrete
index ``<prefix>-documents-vN``. A rebuild (search.reindex) fills ``vN+1``
behind a second alias, ``<prefix>-documents-next``, which writers also feed while
it exists, then moves the read alias in one atomic call.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError

from search.errors import translate_errors

log = logging.getLogger(__name__)

# Bumped whenever the definition below changes, so an index built by older code can be
# recognised (it is recorded in the index's _meta) and rebuilt with `ged reindex`.
# 2: the notes (avis) agents leave on a document. Fields added only: an index of an
# older version is brought up to date in place by upgrade_mapping (see there).
# 3: word pairs indexed on the pages (index_phrases). A change to existing fields, which
# only `ged reindex` makes; an index of version 2 answers the same queries until then.
MAPPING_VERSION = 3
# The newest version upgrade_mapping can bring an older index up to in place.
IN_PLACE_VERSION = 2

# French articles elided before a vowel: "l'arrêté" must index as "arrêté".
_ELIDED_ARTICLES = [
    "l",
    "m",
    "t",
    "qu",
    "n",
    "s",
    "j",
    "d",
    "c",
    "jusqu",
    "quoiqu",
    "lorsqu",
    "puisqu",
]

ANALYSIS: dict[str, Any] = {
    "filter": {
        "french_elision": {"type": "elision", "articles_case": True, "articles": _ELIDED_ARTICLES},
        "french_stop": {"type": "stop", "stopwords": "_french_"},
        "french_light_stemmer": {"type": "stemmer", "language": "light_french"},
    },
    "analyzer": {
        # Stop words go before folding because the French list is accented ("à", "été").
        # Folding goes before stemming so that "arrêté", "arrete" and an OCR page that
        # lost its accents all reach the stemmer as the same word.
        "french_text": {
            "tokenizer": "standard",
            "filter": [
                "french_elision",
                "lowercase",
                "french_stop",
                "asciifolding",
                "french_light_stemmer",
            ],
        },
        # The exact sub-fields: whole words, no stemming, stop words kept (phrases need them),
        # still folded because people type "deliberation" for "délibération".
        "french_exact": {
            "tokenizer": "standard",
            "filter": ["french_elision", "lowercase", "asciifolding"],
        },
    },
    "normalizer": {
        "folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]},
    },
}


def _text(*, phrases: bool = False) -> dict[str, Any]:
    # Offsets in the postings let the unified highlighter find matches without
    # re-analysing the text, on both the stemmed field and the exact one (fuzzy
    # matches are found, and so highlighted, on the exact one).
    exact: dict[str, Any] = {
        "type": "text",
        "analyzer": "french_exact",
        "index_options": "offsets",
    }
    if phrases:
        # Every pair of consecutive words is also indexed as one term, so that a phrase
        # ("permis de construire") is found from its pairs rather than by walking the
        # positions of its words, "de" among them, in every page that has them all. Only
        # on the exact field: it keeps stop words, so its phrases have no gaps (a phrase
        # with a removed stop word, as on the stemmed field, cannot use the pairs).
        exact["index_phrases"] = True
    return {
        "type": "text",
        "analyzer": "french_text",
        "index_options": "offsets",
        "fields": {"exact": exact},
    }


def _facet() -> dict[str, Any]:
    # Aggregations read the raw value (what people typed, shown back as is); filters and
    # q prefixes use the folded sub-field, so "unit:voirie" finds "Voirie". Global
    # ordinals are built at refresh time rather than by the first search after it.
    return {
        "type": "keyword",
        "eager_global_ordinals": True,
        "fields": {"folded": {"type": "keyword", "normalizer": "folded"}},
    }


MAPPINGS: dict[str, Any] = {
    # Strict: a field this module does not know about is a bug in the caller, not
    # something to guess a type for.
    "dynamic": "strict",
    "_meta": {"mapping_version": MAPPING_VERSION},
    "properties": {
        "id": {"type": "long"},
        "title": _text(),
        "document_type": _facet(),
        "unit": _facet(),
        "tags": _facet(),
        "mime_type": {"type": "keyword"},
        "status": {"type": "keyword"},
        "document_date": {"type": "date"},
        "created_at": {"type": "date"},
        # The document date, or the creation date when none was found: what date
        # filters, date sorting and the year facet use, so no document lacks one.
        "date": {"type": "date"},
        # Principals allowed to read ("user:4", "group:2"): every query filters on it.
        "acl": {"type": "keyword"},
        # SIRET, SIREN, IBAN, VAT numbers, references and amounts, without spaces, so that
        # a term query finds them exactly whatever the text around them.
        "identifiers": {"type": "keyword", "normalizer": "folded"},
        # The notes (avis) left on the document, one value per note: found by note: and
        # by the full text.
        "notes": _text(),
        # One nested object per page, so inner hits say which page matched.
        "pages": {
            "type": "nested",
            "properties": {"number": {"type": "integer"}, "text": _text(phrases=True)},
        },
    },
}


def alias_name(prefix: str) -> str:
    return f"{prefix}-documents"


def next_alias_name(prefix: str) -> str:
    return f"{prefix}-documents-next"


def index_settings(*, bulk_load: bool = False) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "number_of_shards": 1,
        # One replica as soon as there is a second node to hold it; none on a single node,
        # which would otherwise stay yellow for ever.
        "auto_expand_replicas": "0-1",
        "analysis": ANALYSIS,
    }
    if bulk_load:
        # A rebuild is read by nobody until the alias moves: skip refreshes and replicas
        # until it is full (search.reindex restores both).
        settings.update(
            {"refresh_interval": "-1", "auto_expand_replicas": False, "number_of_replicas": 0}
        )
    return settings


def versioned_indices(client: OpenSearch, prefix: str) -> dict[str, list[str]]:
    """Every ``<prefix>-documents-vN`` index, with the aliases each one carries."""
    with translate_errors():
        answer = client.indices.get_alias(index=f"{alias_name(prefix)}-v*")
    pattern = re.compile(rf"{re.escape(alias_name(prefix))}-v(\d+)")
    return {
        name: sorted(info.get("aliases", {}))
        for name, info in answer.items()
        if pattern.fullmatch(name)
    }


def current_index(client: OpenSearch, prefix: str) -> str | None:
    """The concrete index behind the read alias, or None before the first document."""
    for name, aliases in versioned_indices(client, prefix).items():
        if alias_name(prefix) in aliases:
            return name
    return None


def new_index_name(client: OpenSearch, prefix: str) -> str:
    numbers = [int(name.rsplit("-v", 1)[1]) for name in versioned_indices(client, prefix)]
    return f"{alias_name(prefix)}-v{max(numbers, default=0) + 1}"


def create_index(
    client: OpenSearch, name: str, *, aliases: list[str], bulk_load: bool = False
) -> None:
    body = {
        "settings": index_settings(bulk_load=bulk_load),
        "mappings": MAPPINGS,
        "aliases": {alias: {} for alias in aliases},
    }
    with translate_errors():
        client.indices.create(index=name, body=body)


def ensure_index(client: OpenSearch, prefix: str) -> str:
    """Return the index behind the read alias, creating the first one if there is none.

    The index and its alias are created in one call, so no writer ever sees an index
    without its alias; two processes racing here both end up on the same index.
    """
    existing = current_index(client, prefix)
    if existing is not None:
        return existing
    name = new_index_name(client, prefix)
    try:
        create_index(client, name, aliases=[alias_name(prefix)])
    except RequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise
    return current_index(client, prefix) or name


def without_phrase_fields(mapping: Any) -> Any:
    """``mapping`` without its index_phrases: what version 3 changed in existing fields."""
    if isinstance(mapping, dict):
        return {
            key: without_phrase_fields(value)
            for key, value in mapping.items()
            if key != "index_phrases"
        }
    return mapping


def upgrade_mapping(client: OpenSearch, prefix: str) -> list[str]:
    """Bring every index of ``prefix`` built with a version older than IN_PLACE_VERSION
    up to it; the names of those upgraded.

    Versions up to IN_PLACE_VERSION only add fields, which OpenSearch accepts on a live
    index: without this, the strict mapping of an index built by older code would refuse
    every document carrying a new field (its notes) until someone ran `ged reindex`.
    Documents indexed before hold no value for the new fields, which is what they held
    anyway (there were no notes). Later versions change fields (version 3: index_phrases,
    which OpenSearch refuses to add to a live field): such an index keeps answering the
    same queries, without their speed-up, until `ged reindex` rebuilds it.
    """
    upgraded = []
    with translate_errors():
        names = list(versioned_indices(client, prefix))
        for name in names:
            mapping = client.indices.get_mapping(index=name)[name]["mappings"]
            version = mapping.get("_meta", {}).get("mapping_version", 0)
            if version < MAPPING_VERSION:
                # Said once per process (the first write), where operators read the logs.
                log.warning(
                    "search index %s has mapping version %s, not %s: phrases are found "
                    "without their indexed word pairs (slower) until `ged reindex`",
                    name,
                    max(version, IN_PLACE_VERSION),
                    MAPPING_VERSION,
                )
            if version >= IN_PLACE_VERSION:
                continue
            client.indices.put_mapping(
                index=name,
                body={
                    "_meta": {"mapping_version": IN_PLACE_VERSION},
                    "properties": without_phrase_fields(MAPPINGS["properties"]),
                },
            )
            upgraded.append(name)
    return upgraded


def delete_index(client: OpenSearch, name: str) -> None:
    with translate_errors(), suppress(NotFoundError):
        client.indices.delete(index=name)
