"""Titles proposed from a document's text: pure, no I/O."""

from __future__ import annotations

import pytest

from ingest.titles import MAX_OBJECT, propose_title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "MAIRIE DE SAINT-MARTIN\n\nARRÊTÉ MUNICIPAL N° 2026-0526\n"
            "PORTANT RÉGLEMENTATION DE LA CIRCULATION\n\nLe Maire de Saint-Martin,",
            "Arrêté n° 2026-0526 — réglementation de la circulation",
        ),
        (
            "Commune de Lyon\nDélibération n° 2025/112 du conseil municipal\n"
            "Objet : Attribution d'une subvention\nà l'association des parents d'élèves\n\nLe conseil,",
            "Délibération n° 2025/112 — Attribution d'une subvention à l'association des parents d'élèves",
        ),
        (
            "Arrêté du maire n° A-17 relatif à la fermeture du marché le 14 juillet.",
            "Arrêté n° A-17 — la fermeture du marché le 14 juillet",
        ),
        ("FACTURE N° FA-2026-0042\nDate : 12/03/2026", "Facture n° FA-2026-0042"),
        (
            "Madame, Monsieur,\nObjet : demande de permis de construire\nJe vous prie",
            "Demande de permis de construire",
        ),
        (
            "RAPPORT ANNUEL D'ACTIVITÉ 2025\n12 rue de la Paix 75001 Paris",
            "Rapport annuel d'activité 2025",
        ),
    ],
)
def test_the_title_an_agent_would_type(text, title):
    assert propose_title(text) == title


@pytest.mark.parametrize(
    "text",
    ["", "12/03/2025\n@@@ ### 12", "contact@mairie.fr\nTél. 01 23 45 67 89", "a b\n1 2 3"],
)
def test_no_title_when_nothing_reads_like_one(text):
    assert propose_title(text) is None


def test_a_long_object_is_cut_at_a_word():
    title = propose_title("Objet : " + "réfection de la voirie communale " * 10)
    assert title is not None and title.endswith("…")
    assert len(title) <= MAX_OBJECT + 1 and not title[:-1].endswith(" ")


def test_the_title_comes_from_the_head_of_the_text_only():
    assert propose_title("ligne\n" * 60 + "ARRÊTÉ N° 12 portant nomination") is None
