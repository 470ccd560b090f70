"""Metadata extraction on plain text: pure, no I/O.

Every identifier is computed with python-stdnum so that the tests never rely on
a made-up number that happens to be (in)valid.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from stdnum import iban, luhn
from stdnum.fr import siren

from ingest.metadata import extract_metadata

REFERENCE_DATE = date(2026, 3, 20)

SIREN = "73282932" + luhn.calc_check_digit("73282932")
SIRET = SIREN + "0007" + luhn.calc_check_digit(SIREN + "0007")
TVA = "FR" + siren.to_tva(SIREN)
BBAN = "30006000011234567890189"
IBAN = "FR" + iban.calc_check_digits("FR00" + BBAN) + BBAN
OTHER_SIREN = "55210055" + luhn.calc_check_digit("55210055")


def spaced_siret(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}"


def spaced_iban(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def with_wrong_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def extract(text: str) -> dict:
    return extract_metadata(text, reference_date=REFERENCE_DATE)


# --- Dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Séance du 12 mars 2026.", "2026-03-12"),
        ("SÉANCE DU 12 MARS 2026", "2026-03-12"),
        ("Reçu le 3 févr. 2026", "2026-02-03"),
        ("Reçu le 15 aout 2025", "2025-08-15"),
        ("lundi 1er décembre 2025", "2025-12-01"),
        ("Échéance : 12/03/2026", "2026-03-12"),
        ("Échéance : 12.03.2026", "2026-03-12"),
        ("Échéance : 2/3/2026", "2026-03-02"),
        ("Export du 2026-03-12", "2026-03-12"),
    ],
)
def test_french_date_formats_are_read_day_first(text: str, expected: str) -> None:
    assert extract(text)["dates"] == [expected]


def test_a_date_without_year_takes_the_year_of_the_reference_date() -> None:
    assert extract("à compter du 1er avril")["dates"] == ["2026-04-01"]
    assert extract_metadata("le 1er avril")["dates"] == [f"{date.today().year}-04-01"]


@pytest.mark.parametrize(
    "text", ["le 31/02/2026", "le 31 avril 2026", "le 29 février 2025", "le 12/13/2026"]
)
def test_impossible_dates_are_ignored(text: str) -> None:
    assert extract(text)["dates"] == []


def test_years_outside_the_plausible_range_are_ignored() -> None:
    text = "le 12 mars 1899, le 12/03/2031, le 12/03/2032"
    assert extract(text)["dates"] == ["2031-03-12"]


def test_dates_are_unique_and_in_order_of_appearance() -> None:
    text = "Le 5 février 2026 puis le 2 mars 1982, rappel du 05/02/2026."
    assert extract(text)["dates"] == ["2026-02-05", "1982-03-02"]


def test_document_date_is_the_one_of_the_signature_line() -> None:
    text = "Vu la loi du 2 mars 1982 ;\nVu l'avis du 5 février 2026 ;\nFait à Lyon, le 12 mars 2026"
    assert extract(text)["document_date"] == "2026-03-12"


def test_document_date_is_the_one_of_the_letterhead() -> None:
    text = "Objet : votre courrier du 2 mars 2026\nParis, le 10 mars 2026\nMadame,"
    assert extract(text)["document_date"] == "2026-03-10"


def test_document_date_is_the_labelled_invoice_date_not_the_due_date() -> None:
    text = "Date d'échéance : 14/04/2026\nDate de facture : 15/03/2026"
    assert extract(text)["document_date"] == "2026-03-15"


def test_document_date_falls_back_on_the_first_date_not_after_the_reference_date() -> None:
    text = "À régler avant le 30/04/2026. Prestation du 02/03/2026."
    assert extract(text)["document_date"] == "2026-03-02"
    assert extract("À régler avant le 30/04/2026.")["document_date"] == "2026-04-30"


# --- SIRET, SIREN, IBAN, TVA ------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    [
        SIRET,
        spaced_siret(SIRET),
        spaced_siret(SIRET).replace(" ", "\u00a0"),
        spaced_siret(SIRET).replace(" ", "."),
        spaced_siret(SIRET).replace(" ", "  "),
    ],
)
def test_siret_is_found_whatever_the_separators(printed: str) -> None:
    metadata = extract(f"Titulaire : SIRET {printed} - Lyon")
    assert metadata["siret"] == [SIRET]
    assert metadata["siren"] == [SIREN]  # the SIREN part of a valid SIRET


def test_siret_with_a_wrong_check_digit_is_not_extracted() -> None:
    metadata = extract(f"SIRET : {spaced_siret(with_wrong_last_digit(SIRET))}")
    assert metadata["siret"] == []
    assert metadata["siren"] == []


@pytest.mark.parametrize(
    "text",
    [
        f"SIREN : {SIREN}",
        f"N° SIREN {SIREN[:3]} {SIREN[3:6]} {SIREN[6:]}",
        f"RCS Lyon B {SIREN[:3]} {SIREN[3:6]} {SIREN[6:]}",
    ],
)
def test_labelled_siren_is_found(text: str) -> None:
    assert extract(text)["siren"] == [SIREN]


def test_nine_digits_without_a_label_are_not_a_siren() -> None:
    metadata = extract(f"Montant : {SIREN[:3]} {SIREN[3:6]} {SIREN[6:]},00 €")
    assert metadata["siren"] == []
    assert metadata["amounts"][0]["value"] == f"{SIREN}.00"


def test_labelled_siren_with_a_wrong_check_digit_is_not_extracted() -> None:
    assert extract(f"SIREN : {with_wrong_last_digit(SIREN)}")["siren"] == []


@pytest.mark.parametrize(
    "printed", [IBAN, spaced_iban(IBAN), spaced_iban(IBAN).replace(" ", "\u00a0")]
)
def test_iban_is_found_compact_or_grouped(printed: str) -> None:
    metadata = extract(f"IBAN : {printed} BIC : AGRIFRPP")
    assert metadata["iban"] == [IBAN]
    assert metadata["tva"] == []


def test_iban_followed_by_letters_and_digits_is_cut_between_groups() -> None:
    assert extract(f"IBAN {spaced_iban(IBAN)} AGRIFRPP 01")["iban"] == [IBAN]


def test_iban_with_a_wrong_check_digit_is_not_extracted() -> None:
    wrong = with_wrong_last_digit(IBAN)
    assert extract(f"IBAN : {spaced_iban(wrong)}")["iban"] == []
    assert extract(f"IBAN : {wrong}")["iban"] == []


def test_two_ibans_on_one_line_are_both_found() -> None:
    bban = "20041010050500013M02606"
    other = "FR" + iban.calc_check_digits("FR00" + bban) + bban
    text = f"{spaced_iban(IBAN)} ou {spaced_iban(other)}"
    assert extract(text)["iban"] == [IBAN, other]


def test_vat_number_is_validated_and_gives_its_siren() -> None:
    spaced = f"{TVA[:2]} {TVA[2:4]} {TVA[4:7]} {TVA[7:10]} {TVA[10:]}"
    metadata = extract(f"TVA intracommunautaire : {spaced}")
    assert metadata["tva"] == [TVA]
    assert metadata["siren"] == [SIREN]


def test_vat_number_with_a_wrong_key_is_not_extracted() -> None:
    wrong = TVA[:2] + f"{(int(TVA[2:4]) + 1) % 100:02d}" + TVA[4:]
    assert extract(f"TVA : {wrong}")["tva"] == []


# --- Amounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Total : 1 234,56 €", "1234.56", None),
        ("Total : 1\u202f234,56\u00a0€", "1234.56", None),
        ("Total : 1.234,56 EUR", "1234.56", None),
        ("Forfait : € 45", "45.00", None),
        ("Forfait : 45.5 €", "45.50", None),
        ("montant TTC : 1 200,00 euros", "1200.00", "TTC"),
        ("soit 12 000 € HT", "12000.00", "HT"),
        ("soit 12 000 € H.T.", "12000.00", "HT"),
        ("Montant hors taxes : 800 €", "800.00", "HT"),
        ("Prix toutes taxes comprises : 960 EUR", "960.00", "TTC"),
    ],
)
def test_euro_amounts_are_normalised(text: str, value: str, kind: str | None) -> None:
    assert extract(text)["amounts"] == [{"value": value, "currency": "EUR", "kind": kind}]


def test_amount_kind_comes_from_its_own_label_only() -> None:
    text = "Total HT : 1 000,00 € TVA 20 % : 200,00 € Total TTC : 1 200,00 €"
    assert [(a["value"], a["kind"]) for a in extract(text)["amounts"]] == [
        ("1000.00", "HT"),
        ("200.00", None),
        ("1200.00", "TTC"),
    ]


def test_amount_kind_is_not_taken_from_the_next_line() -> None:
    assert extract("Acompte : 300 €\nHT : voir le détail")["amounts"][0]["kind"] is None


def test_numbers_without_currency_are_not_amounts() -> None:
    assert extract("Article 3 : 1 200 places, 45,5 %")["amounts"] == []


# --- References ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dossier N° 2026-0412.", "2026-0412"),
        ("courrier n°2026/12, reçu", "2026/12"),
        ("la délibération n° 2026-45 du conseil", "2026-45"),
        ("Arrêté n° AR-2026-114 portant", "AR-2026-114"),
        ("réf. : ABC/123", "ABC/123"),
        ("N/Réf. : DST/VOI/2026-031", "DST/VOI/2026-031"),
        ("N° de facture : F-2026-0042", "F-2026-0042"),
    ],
)
def test_reference_numbers_are_found(text: str, expected: str) -> None:
    assert extract(text)["references"] == [expected]


@pytest.mark.parametrize(
    "text", [f"SIRET n° {SIRET}", "N° de SIRET : 732 829", "Tél. n° 04 72 10 30 30", "annexe n° 2"]
)
def test_identifiers_and_counters_are_not_references(text: str) -> None:
    assert extract(text)["references"] == []


# --- Organisations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MAIRIE DE SAINT-GENIS-LAVAL\nService urbanisme", "Mairie de Saint-Genis-Laval"),
        ("COMMUNE DU PUY-EN-VELAY", "Commune du Puy-en-Velay"),
        ("transmis à la Préfecture du Rhône.", "Préfecture du Rhône"),
        (
            "le Conseil départemental de la Haute-Garonne",
            "Conseil départemental de la Haute-Garonne",
        ),
        ("la commune d'Annecy", "Commune d'Annecy"),
        ("Communauté de communes du Pays de Gex", "Communauté de communes du Pays de Gex"),
        ("Titulaire : SARL Dupont & Fils SIRET 123", "SARL Dupont & Fils"),
        ("Martin Bâtiment SAS au capital de 10 000 €", "Martin Bâtiment SAS"),
    ],
)
def test_organisations_are_found_and_tidied(text: str, expected: str) -> None:
    assert extract(text)["organisations"] == [expected]


@pytest.mark.parametrize(
    "text",
    ["la commune de résidence", "Facture SAS à régler", "sa décision du maire", "la ville\nLyon"],
)
def test_organisations_are_conservative(text: str) -> None:
    assert extract(text)["organisations"] == []


# --- Whole documents -----------------------------------------------------------------

ARRETE = f"""RÉPUBLIQUE FRANÇAISE
MAIRIE DE VILLEURBANNE
Direction de la voirie
                                                  Villeurbanne, le 12 mars 2026

ARRÊTÉ MUNICIPAL N° AR-2026-114
portant réglementation temporaire de la circulation rue Francis de Pressensé

Le Maire de la Commune de Villeurbanne,

Vu le code général des collectivités territoriales, et notamment ses articles L. 2212-1
et L. 2213-1 ;
Vu la loi n° 82-213 du 2 mars 1982 relative aux droits et libertés des communes ;
Vu la délibération n° 2026-45 du conseil municipal en date du 5 février 2026 fixant les
tarifs d'occupation du domaine public ;
Vu la demande de l'entreprise SAS Travaux Publics Rhône (SIRET {spaced_siret(SIRET)})
reçue le 2 mars 2026 ;

Considérant que les travaux de réfection de chaussée nécessitent de réglementer la
circulation et le stationnement ;

ARRÊTE

Article 1 : Du 1er avril au 30 avril 2026, la circulation est interdite rue Francis de
Pressensé, entre la rue Anatole France et le cours Émile Zola.
Article 2 : L'entreprise acquitte une redevance d'occupation du domaine public de
1 250,00 € HT.
Article 3 : Le présent arrêté est transmis à la Préfecture du Rhône.

Fait à Villeurbanne, le 12 mars 2026
Le Maire,
"""


def test_municipal_arrete_gives_the_full_result() -> None:
    assert extract(ARRETE) == {
        "dates": [
            "2026-03-12",
            "1982-03-02",
            "2026-02-05",
            "2026-03-02",
            "2026-04-01",
            "2026-04-30",
        ],
        "document_date": "2026-03-12",
        "siret": [SIRET],
        "siren": [SIREN],
        "iban": [],
        "tva": [],
        "amounts": [{"value": "1250.00", "currency": "EUR", "kind": "HT"}],
        "references": ["AR-2026-114", "82-213", "2026-45"],
        "organisations": [
            "Mairie de Villeurbanne",
            "Commune de Villeurbanne",
            "SAS Travaux Publics Rhône",
            "Préfecture du Rhône",
        ],
    }


INVOICE = f"""Travaux Publics Rhône SAS au capital de 50 000 €
12 avenue Jean Jaurès, 69007 Lyon
SIRET : {spaced_siret(SIRET)} – TVA intracommunautaire : {TVA[:4]} {TVA[4:]}

FACTURE N° F-2026-0412
Date d'échéance : 14/04/2026
Date de facture : 15/03/2026

Destinataire :
Mairie de Villeurbanne
Place Lazare-Goujon, 69100 Villeurbanne
Votre réf. : BC-2026-031

Désignation                  Quantité    Prix unitaire HT      Total HT
Réfection de chaussée        1           10 000,00 €           10 000,00 €
Signalisation temporaire     4           250,00 €              1 000,00 €

Total HT : 11 000,00 €
TVA 20 % : 2 200,00 €
Total TTC : 13 200,00 €

Règlement par virement sous 30 jours :
IBAN : {spaced_iban(IBAN)} – BIC : AGRIFRPP
Pénalités de retard : trois fois le taux d'intérêt légal.
"""


def test_invoice_gives_the_full_result() -> None:
    def eur(value: str, kind: str | None = None) -> dict:
        return {"value": value, "currency": "EUR", "kind": kind}

    assert extract(INVOICE) == {
        "dates": ["2026-04-14", "2026-03-15"],
        "document_date": "2026-03-15",
        "siret": [SIRET],
        "siren": [SIREN],
        "iban": [IBAN],
        "tva": [TVA],
        "amounts": [
            eur("50000.00"),
            eur("10000.00"),
            eur("250.00"),
            eur("1000.00"),
            eur("11000.00", "HT"),
            eur("2200.00"),
            eur("13200.00", "TTC"),
        ],
        "references": ["F-2026-0412", "BC-2026-031"],
        "organisations": ["Travaux Publics Rhône SAS", "Mairie de Villeurbanne"],
    }


def test_a_second_company_keeps_its_own_siren() -> None:
    other_siret = OTHER_SIREN + "0001" + luhn.calc_check_digit(OTHER_SIREN + "0001")
    text = f"SIRET {SIRET}\nSous-traitant : SIRET {other_siret}"
    assert extract(text)["siren"] == [SIREN, OTHER_SIREN]


def test_empty_text_gives_empty_lists_and_no_date() -> None:
    assert extract("") == {
        "dates": [],
        "document_date": None,
        "siret": [],
        "siren": [],
        "iban": [],
        "tva": [],
        "amounts": [],
        "references": [],
        "organisations": [],
    }


def test_two_hundred_pages_are_processed_well_under_a_second() -> None:
    # Each page carries its own dates so that the parser cache does not hide the cost.
    months = ["janvier", "février", "mars", "avril", "mai", "juin"]
    pages = [
        f"{INVOICE}\nPage {n} — relance du {n % 28 + 1} {months[n % 6]} 2025, "
        f"avis du {n % 28 + 1:02d}/{n % 12 + 1:02d}/2024\n{ARRETE}\f"
        for n in range(200)
    ]
    text = "".join(pages)
    started = time.perf_counter()
    metadata = extract(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 2
    assert metadata["siret"] == [SIRET]
    assert len(metadata["dates"]) > 100
