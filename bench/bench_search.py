"""Indexing throughput and search latency on a generated corpus of French administrative documents.

1. Generates N documents (Faker fr_FR: titles per document type, a few paragraphs
   over one to four pages mixing administrative phrasing and Faker sentences,
   names, companies, SIRETs, IBANs, amounts, references, some OCR-style misreadings;
   types, units, tags, dates and ACLs varied), then builds the index with
   search.reindex (bulk) and prints documents per second.
2. For a set of realistic queries, as a user who may read about one document in
   five, measures the latency of search_documents (ACL filter, highlights, facets)
   and of the very same body sent with client.search, alternating the two, and
   prints p50/p95 of both and their ratio: what the parsing, building and shaping
   around the OpenSearch request cost.

With --compare, step 2 instead sends the body search_request builds today and
variants of it (each one change, see VARIANTS: what the body was before a change,
or a change not made) straight to OpenSearch, alternating in turn, and prints p50/p95
of each and its ratio to today's; it prints every variant's first page whose ids differ
from today's (set or order) and fails if one misses any of today's hits. Variants marked "old mapping" go to a second index built from
the same documents with the mapping as it was before the phrase sub-fields
(index_phrases removed): same body, other index.

The bench indices are deleted at the end.

Usage: .venv/bin/python bench/bench_search.py [--docs 100000] [--rounds 20] [--url URL] [--compare]
Without --url it starts the test OpenSearch (scripts/services.py ensure --profile test).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from faker import Faker

import search.index
from search.body import search_request
from search.client import make_client
from search.index import MAPPINGS, alias_name, without_phrase_fields
from search.reindex import reindex
from search.searching import run_search, search_documents

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260312

UNITS = [
    "Voirie", "Urbanisme", "Finances", "Ressources humaines", "Affaires générales", "Culture",
    "Sports", "Éducation", "État civil", "Environnement", "Police municipale", "Services techniques",
]  # fmt: skip
TAGS = [
    "circulation", "stationnement", "budget", "eau", "assainissement", "école", "cantine",
    "association", "travaux", "marché public", "urgent", "élections", "personnel", "formation",
    "subvention", "patrimoine", "éclairage", "déchets", "espaces verts", "sécurité", "festival",
    "bibliothèque", "piscine", "cimetière", "logement", "transport", "numérique", "archives",
]  # fmt: skip
SUBJECTS = [
    "la réglementation de la circulation", "le stationnement des véhicules", "la fermeture temporaire de la voie",
    "l'attribution d'une subvention à l'association", "le budget primitif de l'exercice",
    "la création d'un poste d'agent territorial", "les tarifs de la restauration scolaire",
    "les travaux de réfection de la chaussée", "l'occupation du domaine public",
    "la convention de mise à disposition des locaux", "le règlement intérieur du conseil municipal",
    "la délégation du service public de l'eau potable", "l'acquisition d'une parcelle communale",
    "le renouvellement de l'éclairage public", "la collecte des déchets ménagers",
]  # fmt: skip
TYPES = {
    "arrete": "Arrêté n° {year}-{number:03d} portant {subject}",
    "deliberation": "Délibération n° {year}-{number:03d} relative à {subject}",
    "facture": "Facture {reference} — {company}",
    "courrier": "Courrier de {name} concernant {subject}",
    "contrat": "Contrat avec {company} pour {subject}",
    "marche_public": "Marché public {reference} : {subject}",
    "rapport": "Rapport annuel sur {subject}",
    "proces_verbal": "Procès-verbal de la séance du conseil municipal du {date}",
    "permis_construire": "Permis de construire PC {reference} — {address}",
    "convention": "Convention relative à {subject}",
}
PHRASES = [
    "Le maire de la commune, vu le code général des collectivités territoriales,",
    "Considérant la nécessité d'assurer la sécurité des usagers sur la voie publique,",
    "Après en avoir délibéré, le conseil municipal décide à l'unanimité :",
    "Le présent arrêté sera affiché en mairie et publié au recueil des actes administratifs.",
    "Le montant total s'élève à {amount} euros TTC, payable à trente jours.",
    "Le titulaire du marché est la société {company}, SIRET {siret}.",
    "Règlement par virement sur le compte IBAN {iban}.",
    "Référence du dossier : {reference}. Affaire suivie par {name}.",
    "Le stationnement est interdit rue {street} du {date} au {date2}.",
    "Le permis de construire est accordé pour l'extension d'une maison individuelle au {address}.",
    "Les crédits nécessaires sont inscrits au budget primitif de la commune.",
    "Madame, Monsieur, j'ai l'honneur de solliciter votre bienveillance concernant {subject}.",
]
# OCR misreadings, applied to a few words of some documents.
MISREADINGS = [("m", "rn"), ("l", "1"), ("é", "e"), ("o", "0"), ("e", "c")]
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("arrêté circulation", {}),
    ("délibération conseil municipal", {}),
    ("facture", {"date_from": "2024-01-01", "date_to": "2024-12-31"}),
    ("marché public travaux voirie", {}),
    ('"permis de construire"', {}),
    ("subvention association -sport", {}),
    ("type:facture eau", {}),
    ("stationnement unit:Voirie", {}),
    ("rnunicipal", {}),
    ("budget primitif", {"tag": "budget"}),
    ("", {"document_type": "arrete"}),
]


Body = dict[str, Any]


def _with(**changes: Any) -> Callable[[Body], Body]:
    def change(body: Body) -> Body:
        return {**body, **changes}

    return change


def _without(key: str) -> Callable[[Body], Body]:
    def change(body: Body) -> Body:
        return {name: value for name, value in body.items() if name != key}

    return change


def _without_highlights(body: Body) -> Body:
    changed = copy.deepcopy(body)
    for clause in changed["query"]["bool"]["should"]:
        clause["nested"]["inner_hits"].pop("highlight", None)
    return changed


def _facets_by_value(body: Body) -> Body:
    # Terms counted in a hash of values rather than through the global ordinals.
    aggs = {
        name: {"terms": {**agg["terms"], "execution_hint": "map"}} if "terms" in agg else agg
        for name, agg in body["aggs"].items()
    }
    return {**body, "aggs": aggs}


def _facets_apart(body: Body) -> list[Body]:
    # Two requests in one msearch, which OpenSearch runs side by side: the hits without
    # the facets (so the bounded total may stop counting), and the facets over the same
    # documents as a filter (no scores, no highlight clause, which finds nothing more).
    hits = {name: value for name, value in body.items() if name != "aggs"}
    matching = {key: value for key, value in body["query"]["bool"].items() if key != "should"}
    facets = {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": [{"bool": matching}]}},
        "aggs": body["aggs"],
    }
    return [hits, facets]


# name -> (the change to today's body, a list of bodies to send together (msearch) or
# one, sent to the index with the old mapping?)
VARIANTS: dict[str, tuple[Callable[[Body], Body | list[Body]], bool]] = {
    "exact total": (_with(track_total_hits=True), False),
    "total<=10000": (_with(track_total_hits=10_000), False),
    "no facets": (_without("aggs"), False),
    "<=10000, no facets": (
        lambda body: _without("aggs")(_with(track_total_hits=10_000)(body)),
        False,
    ),
    "no year facet": (
        lambda body: {**body, "aggs": {k: v for k, v in body["aggs"].items() if k != "year"}},
        False,
    ),
    "facets map": (_facets_by_value, False),
    "no highlights": (_without_highlights, False),
    "old mapping": (lambda body: body, True),
    "facets apart": (_facets_apart, False),
}


def generate(count: int, rng: random.Random, fake: Faker) -> list[dict[str, Any]]:
    sentences = [fake.sentence(nb_words=rng.randint(8, 18)) for _ in range(4000)]
    documents = []
    for number in range(1, count + 1):
        year = rng.randint(2015, 2026)
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        values = {
            "year": year,
            "number": rng.randint(1, 400),
            "subject": rng.choice(SUBJECTS),
            "company": fake.company(),
            "name": fake.name(),
            "address": fake.street_address() + ", " + fake.city(),
            "street": fake.street_name(),
            "reference": f"{year}-{rng.randint(1, 9999):04d}",
            "siret": fake.siret(),
            "iban": fake.iban(),
            "amount": f"{rng.randint(50, 250_000)},{rng.randint(0, 99):02d}",
            "date": day,
            "date2": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        document_type = rng.choice(list(TYPES))
        pages = []
        for page in range(1, rng.choice([1, 1, 2, 2, 3, 4]) + 1):
            paragraphs = []
            for _ in range(rng.randint(1, 3)):
                chosen = [rng.choice(PHRASES).format(**values) for _ in range(rng.randint(1, 3))]
                chosen += rng.sample(sentences, rng.randint(2, 5))
                rng.shuffle(chosen)
                paragraphs.append(" ".join(chosen))
            text = "\n\n".join(paragraphs)
            if rng.random() < 0.1:
                text = _misread(text, rng)
            pages.append({"number": page, "text": text})
        unit_index = rng.randrange(len(UNITS))
        acl = [f"group:{unit_index + 1}"] + [
            f"user:{rng.randint(1, 500)}" for _ in range(rng.randint(0, 2))
        ]
        documents.append(
            {
                "id": number,
                "revision": 1,
                "title": TYPES[document_type].format(**values),
                "document_type": document_type,
                "unit": UNITS[unit_index],
                "tags": rng.sample(TAGS, rng.randint(0, 3)),
                "mime_type": rng.choice(
                    ["application/pdf", "application/pdf", "image/tiff", "image/jpeg"]
                ),
                "status": "active",
                "document_date": day if rng.random() < 0.9 else None,
                "created_at": f"{day}T{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}:00Z",
                "version": 1,
                "acl": acl,
                "pages": pages,
                "metadata": {
                    "siret": [values["siret"].replace(" ", "")],
                    "iban": [values["iban"]] if document_type in ("facture", "contrat") else [],
                    "references": [values["reference"]],
                    "amounts": [
                        {
                            "value": values["amount"].replace(",", "."),
                            "currency": "EUR",
                            "kind": "TTC",
                        }
                    ],
                },
            }
        )
    return documents


def generated_corpus(count: int) -> list[dict[str, Any]]:
    """The bench corpus of ``count`` documents (always the same for a count), timed."""
    rng = random.Random(SEED)
    fake = Faker("fr_FR")
    fake.seed_instance(SEED)
    start = time.perf_counter()
    documents = generate(count, rng, fake)
    print(f"generated {count} documents in {time.perf_counter() - start:.1f}s")
    return documents


def _misread(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 20)):
        position = rng.randrange(len(words))
        wrong, right = rng.choice(MISREADINGS)
        words[position] = words[position].replace(wrong, right, 1)
    return " ".join(words)


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def opensearch_url() -> str:
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "services.py"),
            "ensure",
            "--profile",
            "test",
            "opensearch",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)["opensearch_url"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents to index (100000)")
    parser.add_argument("--rounds", type=int, default=20, help="timed runs of each query (20)")
    parser.add_argument("--url", help="an OpenSearch to use instead of the test one")
    parser.add_argument(
        "--compare", action="store_true", help="today's body against its VARIANTS, raw"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=list(VARIANTS),
        metavar="NAME",
        help="with --compare, these VARIANTS only (all)",
    )
    args = parser.parse_args()

    rng = random.Random(SEED)
    fake = Faker("fr_FR")
    fake.seed_instance(SEED)
    client = make_client([args.url or opensearch_url()], timeout=60)
    prefix = f"ged-bench-{uuid.uuid4().hex[:8]}"
    old_prefix = f"{prefix}-old"
    try:
        start = time.perf_counter()
        documents = generate(args.docs, rng, fake)
        generated = time.perf_counter() - start
        characters = sum(len(page["text"]) for d in documents for page in d["pages"])
        print(
            f"generated {args.docs} documents in {generated:.1f}s "
            f"({characters / args.docs:.0f} characters of text each on average)"
        )
        start = time.perf_counter()
        reindex(client, prefix, documents, total=args.docs)
        indexed = time.perf_counter() - start
        stats = client.indices.stats(index=alias_name(prefix), metric="store")["_all"]["primaries"]
        print(
            f"indexed in {indexed:.1f}s: {args.docs / indexed:.0f} docs/s "
            f"(bulk of 500, refresh off until the end; index {stats['store']['size_in_bytes'] / 1e6:.0f} MB)"
        )

        # A user of two units with a few direct grants: reads about one document in five.
        acl = ["user:17", "group:3", "group:7"]
        # The SIRET of a document that user may read, typed with its spaces.
        siret = next(d["metadata"]["siret"][0] for d in documents if set(d["acl"]) & set(acl))
        queries = [*QUERIES, (f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", {})]
        if args.compare:
            if any(VARIANTS[name][1] for name in args.variants):
                start = time.perf_counter()
                # reindex creates its index from search.index.MAPPINGS: the only way in.
                with mock.patch.object(search.index, "MAPPINGS", without_phrase_fields(MAPPINGS)):
                    reindex(client, old_prefix, documents, total=args.docs)
                old_stats = client.indices.stats(index=alias_name(old_prefix), metric="store")
                size = old_stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6
                print(
                    f"old mapping: indexed in {time.perf_counter() - start:.1f}s, index {size:.0f} MB"
                )
            del documents
            compare(client, prefix, old_prefix, queries, acl, args.rounds, args.variants)
            return
        del documents
        ours: dict[str, list[float]] = {q: [] for q, _ in queries}
        raw: dict[str, list[float]] = {q: [] for q, _ in queries}
        totals = {}
        for round_number in range(args.rounds + 3):  # the first three warm caches up
            for q, filters in queries:
                _, body = search_request(
                    q=q, acl=acl, filters=filters, sort="relevance", page=1, size=20
                )

                def through_ged(q: str = q, filters: dict[str, Any] = filters) -> None:
                    totals[q] = search_documents(client, prefix, q=q, acl=acl, filters=filters)[
                        "total"
                    ]

                def direct(body: dict[str, Any] = body) -> None:
                    run_search(client, prefix, body)

                first, second = (through_ged, direct) if round_number % 2 else (direct, through_ged)
                times = {action: timed(action) for action in (first, second)}
                if round_number >= 3:
                    ours[q].append(times[through_ged])
                    raw[q].append(times[direct])

        print(
            f"\nsearch latency over {args.rounds} runs per query, ACL {acl}, highlights and facets, size 20"
        )
        print(
            f"{'query':42}{'hits':>8}{'ged p50':>10}{'raw p50':>10}{'ged p95':>10}{'raw p95':>10}  ms"
        )
        for q, _ in queries:
            (g50, g95), (r50, r95) = percentiles(ours[q]), percentiles(raw[q])
            print(f"{q[:41]:42}{totals[q]:8}{g50:10.1f}{r50:10.1f}{g95:10.1f}{r95:10.1f}")
        all_ours = [t for samples in ours.values() for t in samples]
        all_raw = [t for samples in raw.values() for t in samples]
        (g50, g95), (r50, r95) = percentiles(all_ours), percentiles(all_raw)
        print(f"{'all queries':42}{'':8}{g50:10.1f}{r50:10.1f}{g95:10.1f}{r95:10.1f}")
        print(f"search_documents / raw client.search: p50 {g50 / r50:.2f}, p95 {g95 / r95:.2f}")
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.close()


def send(client: Any, prefix: str, bodies: Body | list[Body]) -> Body:
    """The answer to one body, or to the first of several sent as one msearch."""
    if isinstance(bodies, dict):
        answer = run_search(client, prefix, bodies)
        assert answer is not None
        return answer
    header = {"index": alias_name(prefix), "allow_partial_search_results": "false"}
    answers = client.msearch(body=[line for body in bodies for line in (header, body)])
    for each in answers["responses"]:
        assert "error" not in each, each
    first: Body = answers["responses"][0]
    return first


def _difference(today: list[str], other: list[str]) -> str:
    if sorted(today) == sorted(other):
        return "the same ids in another order"
    return f"{len(set(today) - set(other))} of today's {len(today)} ids missing"


def compare(
    client: Any,
    prefix: str,
    old_prefix: str,
    queries: list[tuple[str, dict[str, Any]]],
    acl: list[str],
    rounds: int,
    variants: list[str],
) -> None:
    """Time today's body and each of ``variants``, raw, alternating; stop on a different
    first page."""
    names = ["today", *variants]
    samples: dict[str, dict[str, list[float]]] = {q: {n: [] for n in names} for q, _ in queries}
    totals: dict[str, Any] = {}
    differences: dict[tuple[str, str], str] = {}
    for round_number in range(rounds + 3):  # the first three warm caches up
        for q, filters in queries:
            _, body = search_request(
                q=q, acl=acl, filters=filters, sort="relevance", page=1, size=20
            )
            first_pages = {}
            # Each round starts with another variant, so none always runs on warm caches.
            turn = round_number % len(names)
            for name in names[turn:] + names[:turn]:
                change, old = VARIANTS.get(name, (lambda b: b, False))
                started = time.perf_counter()
                answer = send(client, old_prefix if old else prefix, change(body))
                elapsed = time.perf_counter() - started
                first_pages[name] = [hit["_id"] for hit in answer["hits"]["hits"]]
                if name == "today":
                    totals[q] = answer["hits"]["total"]
                if round_number >= 3:
                    samples[q][name].append(elapsed)
            for name in variants:
                if first_pages[name] != first_pages["today"]:
                    differences[name, q] = _difference(first_pages["today"], first_pages[name])

    print(f"\nraw client.search over {rounds} runs per query, ACL {acl}, size 20; ms")
    if differences:
        for (name, q), difference in differences.items():
            print(f"first page of {name!r} for {q!r}: {difference}")
    else:
        print("same first page (ids, in order) as today's for every variant and query")
    print(f"{'query':34}{'total':>9}" + "".join(f"{n[:15]:>17}" for n in names))
    print(f"{'':43}" + "".join(f"{'p50/p95':>17}" for _ in names))
    for q, _ in queries:
        total = totals[q]
        shown = f"{total['value']}{'+' if total['relation'] == 'gte' else ''}"
        cells = [percentiles(samples[q][n]) for n in names]
        print(f"{q[:33]:34}{shown:>9}" + "".join(f"{p50:9.1f}/{p95:<7.1f}" for p50, p95 in cells))
    overall = {n: percentiles([t for q, _ in queries for t in samples[q][n]]) for n in names}
    print(
        f"{'all queries':43}" + "".join(f"{p50:9.1f}/{p95:<7.1f}" for p50, p95 in overall.values())
    )
    base50, base95 = overall["today"]
    print(
        f"{'ratio to today':43}"
        + "".join(f"{p50 / base50:9.2f}/{p95 / base95:<7.2f}" for p50, p95 in overall.values())
    )
    if any("missing" in difference for difference in differences.values()):
        sys.exit("some first pages miss hits of today's (see above)")


if __name__ == "__main__":
    main()
