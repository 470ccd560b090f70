"""Realistic French administrative documents, generated deterministically per type and seed.

``generate(type_code, seed)`` always returns the same text for the same arguments, so
classification, OCR and search tests can share labelled documents without fixtures on
disk. Each type has several templates whose optional paragraphs are shuffled or left
out, and documents cite other types the way real ones do (an arrêté cites a délibération,
a letter chases an invoice, a council's minutes record votes), so that no single word
decides the type. ``garble(text, seed)`` makes a text read like a poor scan's OCR output.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from faker import Faker

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@cache
def _faker() -> Faker:
    # Building a Faker costs tens of milliseconds; reseeding one is free and as deterministic.
    return Faker("fr_FR")


class _Ctx:
    """One document's shared facts (commune, mayor, date) and helpers to phrase them."""

    def __init__(self, fake: Faker) -> None:
        self.f = fake
        self.r: random.Random = fake.random
        self.town = fake.city()
        self.department = fake.department_name()
        self.mayor = self.person()
        self.day = self.date()
        self.year = self.day.year

    def person(self) -> str:
        if self.r.random() < 0.5:
            return f"M. {self.f.first_name_male()} {self.f.last_name()}"
        return f"Mme {self.f.first_name_female()} {self.f.last_name()}"

    def date(self, after: date | None = None) -> date:
        start = after or date(2018, 1, 1)
        return start + timedelta(days=self.r.randrange(1, 900))

    def later(self, days: int = 60) -> date:
        """A date shortly after the document's: a deadline, a notification, a next meeting."""
        return self.day + timedelta(days=self.r.randint(1, days))

    def born(self, youngest: int, oldest: int) -> date:
        """A birth date for someone aged between ``youngest`` and ``oldest`` at the document's date."""
        return self.day - timedelta(days=self.r.randint(youngest * 365, oldest * 365))

    def parents(self) -> str:
        return (
            f"{self.f.first_name_male()} {self.f.last_name()} "
            f"et de {self.f.first_name_female()} {self.f.last_name()}"
        )

    def when(self, day: date | None = None) -> str:
        day = day or self.day
        first = "1er" if day.day == 1 else str(day.day)
        return f"{first} {MONTHS[day.month - 1]} {day.year}"

    def ref(self, prefix: str = "") -> str:
        return f"{prefix}{self.year}-{self.r.randrange(1, 400):03d}"

    def amount(self, low: float, high: float) -> float:
        return round(self.r.uniform(low, high), 2)

    def pick(self, *options: str) -> str:
        return self.r.choice(options)

    def some(self, items: list[str], low: int, high: int) -> list[str]:
        """A shuffled selection: administrations order and omit these parts freely."""
        return self.r.sample(items, self.r.randint(low, min(high, len(items))))

    def numbered(self, items: list[str], low: int, high: int, label: str = "Article") -> list[str]:
        """A selection kept in order and numbered: articles are omitted, never reordered."""
        chosen = sorted(self.some(items, low, high), key=items.index)
        return [f"{label} {number} — {text}" for number, text in enumerate(chosen, start=1)]

    def header(self) -> list[str]:
        lines = [
            self.pick(f"Mairie de {self.town}", f"Commune de {self.town}", f"Ville de {self.town}")
        ]
        if self.r.random() < 0.6:
            lines.insert(0, f"Département : {self.department}")
        if self.r.random() < 0.5:
            lines.insert(0, "RÉPUBLIQUE FRANÇAISE")
        lines += [self.f.street_address(), f"{self.f.postcode()} {self.town}"]
        if self.r.random() < 0.7:
            lines.append(f"Tél. : {self.f.phone_number()} – {self.f.email()}")
        return lines

    def signed(self, title: str = "Le Maire", name: str | None = None) -> list[str]:
        return [f"Fait à {self.town}, le {self.when()}", "", title + ",", name or self.mayor]

    def title(self, text: str) -> str:
        """Titles come capitalised, sometimes without accents, as typed or OCR'd."""
        text = text.upper() if self.r.random() < 0.6 else text
        if self.r.random() < 0.3:
            text = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            )
        return text


def _euros(value: float) -> str:
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def _lines(*parts: str | list[str]) -> str:
    out: list[str] = []
    for part in parts:
        out.extend([part] if isinstance(part, str) else part)
        out.append("")
    return "\n".join(out).strip() + "\n"


#: type-neutral sentences that pad documents the way real ones are padded
_REMARKS = [
    "Le calendrier prévisionnel a été présenté aux riverains lors de la réunion publique.",
    "La situation fait l'objet d'un suivi attentif par les services municipaux.",
    "Les crédits nécessaires sont inscrits au budget de l'exercice en cours.",
    "Plusieurs habitants ont exprimé leur inquiétude quant à la sécurité du carrefour.",
    "Les travaux d'isolation de la salle polyvalente sont achevés.",
    "La fréquentation de la médiathèque a progressé de dix pour cent cette année.",
    "Le dossier complet peut être consulté en mairie aux heures d'ouverture.",
    "Les horaires d'ouverture de la déchetterie changent à compter du mois prochain.",
    "Le département participe au financement à hauteur de trente pour cent.",
    "Une attention particulière sera portée à l'accessibilité des personnes à mobilité réduite.",
    "La fibre optique sera déployée dans le bourg avant la fin de l'année.",
    "Les conditions météorologiques ont retardé l'intervention de plusieurs jours.",
]


def _remark(c: _Ctx) -> str:
    return c.r.choice(_REMARKS)


def _recourse(c: _Ctx) -> str:
    return (
        f"Le présent {c.pick('arrêté', 'acte')} peut faire l'objet d'un recours devant le "
        f"tribunal administratif de {c.f.city()} dans un délai de deux mois à compter de sa "
        "publication ou de sa notification."
    )


# --- arrêtés -------------------------------------------------------------------------------


def _arrete_circulation(c: _Ctx) -> str:
    street, firm = c.f.street_name(), c.f.company()
    start = c.later()
    vus = [
        "Vu le code général des collectivités territoriales, notamment ses articles L.2212-1, L.2212-2 et L.2213-1 ;",
        "Vu le code de la route, notamment ses articles R.411-8 et R.417-10 ;",
        f"Vu la demande présentée par l'entreprise {firm} le {c.when()} ;",
        "Vu l'instruction interministérielle sur la signalisation routière ;",
    ]
    return _lines(
        c.header(),
        c.title(f"Arrêté n° {c.ref()}")
        + f" portant réglementation temporaire de la circulation {c.pick('et du stationnement ', '')}{street}",
        f"Le Maire de la commune de {c.town},",
        c.some(vus, 2, 4),
        f"Considérant que des travaux de {c.pick('réfection de chaussée', 'raccordement au réseau d’eau potable', 'élagage', 'déménagement')} "
        f"nécessitent de réglementer la circulation {street} afin d'assurer la sécurité des usagers ;",
        "ARRÊTE :",
        f"Article 1er : Du {c.when(start)} au {c.when(start + timedelta(days=c.r.randint(1, 20)))}, "
        f"la circulation est {c.pick('interdite', 'alternée par feux tricolores')} {street}.",
        "Article 2 : Le stationnement est interdit au droit du chantier ; tout véhicule en infraction sera mis en fourrière.",
        f"Article 3 : La signalisation réglementaire sera mise en place par l'entreprise {firm}.",
        f"Article 4 : {_recourse(c)}",
        "Article 5 : Le directeur général des services et le commandant de la brigade de gendarmerie sont chargés de l'exécution du présent arrêté.",
        c.signed(),
    )


def _arrete_personnel(c: _Ctx) -> str:
    agent = c.person()
    grade = c.pick(
        "adjoint technique territorial",
        "adjoint administratif territorial",
        "rédacteur territorial",
    )
    action = c.pick("nomination stagiaire", "avancement d'échelon", "mise en disponibilité")
    vus = [
        "Vu le code général de la fonction publique ;",
        "Vu le décret n° 2006-1691 du 22 décembre 2006 portant statut particulier du cadre d'emplois ;",
        f"Vu la délibération du conseil municipal du {c.when(c.date())} portant création du poste ;",
        f"Vu la déclaration de vacance d'emploi transmise au centre de gestion de {c.department} ;",
    ]
    return _lines(
        c.header(),
        c.title(f"Arrêté n° {c.ref('RH-')}"),
        f"portant {action} de {agent} au grade d'{grade}",
        f"Le Maire de {c.town},",
        c.some(vus, 2, 4),
        f"Considérant que {agent} remplit les conditions requises ;",
        c.pick("ARRÊTE :", "ARRETE"),
        f"Article 1 : {agent} est {c.pick('nommé(e)', 'placé(e)')} à compter du {c.when(c.later())} "
        f"au grade d'{grade}, échelon {c.r.randint(1, 8)}.",
        f"Article 2 : L'intéressé(e) percevra la rémunération afférente à l'indice brut {c.r.randint(367, 600)}.",
        "Article 3 : Le présent arrêté sera notifié à l'intéressé(e) et ampliation adressée au comptable public et au président du centre de gestion.",
        f"Article 4 : {_recourse(c)}",
        c.signed(),
        f"Notifié à l'agent le {c.when(c.later())}. Signature de l'agent :",
    )


def _arrete_police(c: _Ctx) -> str:
    event = c.pick(
        "la fête patronale", "la brocante annuelle", "le marché de Noël", "la course cycliste"
    )
    rules = [
        f"Article {{n}} : La vente de boissons alcoolisées à emporter est interdite pendant {event}.",
        "Article {n} : Les organisateurs sont tenus de laisser libre l'accès des véhicules de secours.",
        "Article {n} : Toute infraction au présent arrêté sera constatée et poursuivie conformément aux lois en vigueur.",
        "Article {n} : L'usage de pétards et artifices est interdit sur la voie publique.",
    ]
    chosen = c.some(rules, 2, 4)
    return _lines(
        c.header(),
        c.title("Arrêté municipal")
        + f" n° {c.ref('AM-')} réglementant l'ordre public à l'occasion de {event}",
        f"{c.pick('Le Maire', 'Nous, Maire')} de la commune de {c.town},",
        "Vu le code général des collectivités territoriales, et notamment les articles L.2212-1 et suivants relatifs aux pouvoirs de police du maire ;",
        "Vu le code de la santé publique ;",
        f"Considérant qu'il appartient au maire de prendre toutes mesures propres à garantir la sécurité et la tranquillité publiques lors de {event} ;",
        c.pick("ARRÊTONS :", "ARRÊTE :"),
        [rule.format(n="1er" if i == 0 else i + 1) for i, rule in enumerate(chosen)],
        f"Article {len(chosen) + 1} : {_recourse(c)}",
        c.signed(),
        "Ampliation : Préfecture, Gendarmerie nationale, affichage en mairie.",
    )


def _arrete_delegation(c: _Ctx) -> str:
    deputy = c.person()
    field = c.pick("des finances", "de l'urbanisme", "des affaires scolaires", "de l'état civil")
    return _lines(
        c.header(),
        c.title(f"Arrêté du maire n° {c.ref('D-')}"),
        f"portant délégation de fonctions et de signature à {deputy}, {c.pick('premier', 'deuxième', 'troisième')} adjoint(e)",
        f"Le Maire de {c.town},",
        "Vu le code général des collectivités territoriales, notamment son article L.2122-18 ;",
        f"Vu le procès-verbal d'installation du conseil municipal et d'élection des adjoints en date du {c.when(c.date())} ;",
        c.pick("ARRÊTE", "ARRÊTE :"),
        f"Article 1er : Délégation est donnée à {deputy} dans le domaine {field}.",
        "Article 2 : La présente délégation est consentie sous la surveillance et la responsabilité du maire.",
        "Article 3 : Le présent arrêté sera transmis au représentant de l'État et publié au recueil des actes administratifs.",
        c.signed(),
    )


# --- délibérations -------------------------------------------------------------------------


def _subject(c: _Ctx) -> tuple[str, str]:
    """A council subject and what is decided; many mention other document types."""
    firm = c.f.company()
    return c.r.choice(
        [
            (
                "Tarifs de la restauration scolaire",
                f"FIXE le prix du repas à {_euros(c.amount(2.5, 5))} à compter de la rentrée.",
            ),
            (
                "Attribution du marché de travaux de voirie",
                f"ATTRIBUE le marché à l'entreprise {firm} et AUTORISE le Maire à signer le marché et toutes pièces s'y rapportant.",
            ),
            (
                "Subvention à une association",
                f"ACCORDE une subvention de {_euros(c.amount(300, 8000))} à l'association {c.f.last_name()} Sports et AUTORISE le Maire à signer la convention correspondante.",
            ),
            (
                "Modification simplifiée du plan local d'urbanisme",
                "APPROUVE la modification simplifiée du PLU telle qu'annexée à la présente délibération.",
            ),
            (
                "Création d'un emploi permanent",
                "DÉCIDE la création d'un poste d'adjoint technique à temps complet et MODIFIE le tableau des effectifs.",
            ),
            (
                "Approbation du budget primitif",
                f"ADOPTE le budget primitif {c.year} équilibré en dépenses et en recettes.",
            ),
        ]
    )


def _vote(c: _Ctx, voters: int) -> str:
    against, abstain = c.r.randint(0, 3), c.r.randint(0, 2)
    if c.r.random() < 0.4:
        return c.pick("à l'unanimité", "à l'unanimité des membres présents et représentés")
    return (
        f"par {voters - against - abstain} voix pour, {against} contre et {abstain} abstention(s)"
    )


def _deliberation_registre(c: _Ctx) -> str:
    members = c.r.randint(11, 29)
    present = members - c.r.randint(0, 5)
    subject, decision = _subject(c)
    return _lines(
        c.header()[:2],
        c.title("Extrait du registre des délibérations du conseil municipal"),
        [
            f"Séance du {c.when()}",
            f"Nombre de conseillers : en exercice {members}, présents {present}, votants {present + 1}",
        ],
        f"L'an {c.year}, le {c.when()[:-5]}, le conseil municipal de la commune de {c.town}, dûment convoqué, "
        f"s'est réuni en session ordinaire à la mairie, sous la présidence de {c.mayor}, Maire.",
        f"Présents : {', '.join(c.person() for _ in range(4))}.",
        f"Absent excusé : {c.person()} (pouvoir à {c.person()}). Secrétaire de séance : {c.person()}.",
        f"Délibération n° {c.ref()} — Objet : {subject}",
        f"{c.pick('Le Maire', 'Le rapporteur')} expose au conseil municipal le projet relatif à : {subject.lower()}. "
        "Il rappelle le contexte et présente les propositions de la commission.",
        f"Après en avoir délibéré, le conseil municipal, {_vote(c, present + 1)} :",
        decision,
        "Ainsi fait et délibéré les jour, mois et an susdits.",
        c.pick(
            "Pour extrait conforme au registre.",
            f"Certifié exécutoire compte tenu de la transmission en préfecture le {c.when(c.later())}.",
        ),
        ["Le Maire,", c.mayor],
    )


def _deliberation_communautaire(c: _Ctx) -> str:
    voters = c.r.randint(25, 60)
    subject, decision = _subject(c)
    return _lines(
        f"Communauté de communes {c.pick('du Pays de', 'de', 'des Portes de')} {c.town}",
        c.title(f"Délibération du conseil communautaire n° {c.ref('DC-')}"),
        f"Séance du {c.when()} — Objet : {subject}",
        "Le Conseil communautaire,",
        "Vu le code général des collectivités territoriales ;",
        f"Vu l'avis favorable de la commission {c.pick('finances', 'aménagement', 'environnement')} ;",
        f"Entendu l'exposé de {c.person()}, vice-président(e) ;",
        f"Considérant l'intérêt communautaire du projet ; {_remark(c).lower()}",
        f"Après en avoir délibéré, {_vote(c, voters)},",
        decision,
        f"Vote : Pour : {voters - 3} — Contre : 2 — Abstention : 1",
        ["Le Président,", c.person()],
        "Acte rendu exécutoire après dépôt en préfecture et publication.",
    )


def _deliberation_courte(c: _Ctx) -> str:
    subject, decision = _subject(c)
    voters = c.r.randint(9, 23)
    return _lines(
        c.header()[:1],
        c.title("Délibération") + f" n° {c.ref()}",
        f"Conseil municipal — séance publique du {c.when()}",
        f"Objet : {subject}",
        f"Le conseil municipal, réuni sous la présidence de {c.mayor}, le quorum étant atteint,",
        f"La proposition est mise aux voix. Votants : {voters}. Pour : {voters - 1}. Contre : 1. Abstention : 0.",
        f"Le conseil municipal, après en avoir délibéré, {decision}",
        "Délibération affichée et transmise au contrôle de légalité.",
        ["Le Maire,", c.mayor],
    )


# --- courriers -----------------------------------------------------------------------------


def _letter_body(c: _Ctx) -> tuple[str, list[str]]:
    return c.r.choice(
        [
            (
                "Facture impayée",
                [
                    f"Sauf erreur de notre part, la facture n° {c.ref('F')} d'un montant de {_euros(c.amount(40, 900))} "
                    "émise pour la location de la salle polyvalente reste impayée à ce jour.",
                    "Je vous remercie de bien vouloir procéder à son règlement dans les meilleurs délais.",
                ],
            ),
            (
                "Votre demande de réservation",
                [
                    f"J'ai bien reçu votre demande de réservation de la salle des fêtes pour le {c.when(c.later())}.",
                    "J'ai le plaisir de vous informer qu'une suite favorable lui est réservée.",
                ],
            ),
            (
                "Réponse à votre réclamation",
                [
                    f"Vous m'avez fait part de difficultés de stationnement {c.f.street_name()}.",
                    "Les services techniques se rendront sur place afin d'étudier les aménagements possibles.",
                ],
            ),
            (
                "Travaux sur votre terrain",
                [
                    "Il m'a été signalé que des travaux seraient en cours sur votre propriété sans autorisation.",
                    "Je vous invite à régulariser la situation en déposant une déclaration préalable en mairie.",
                ],
            ),
        ]
    )


def _courrier_sortant(c: _Ctx) -> str:
    subject, body = _letter_body(c)
    to = c.person()
    return _lines(
        c.header(),
        [to, c.f.street_address(), f"{c.f.postcode()} {c.f.city()}"],
        f"{c.town}, le {c.when()}",
        [f"Nos réf. : {c.ref('CM/')}", f"Affaire suivie par : {c.person()}"],
        f"Objet : {subject}",
        c.pick(
            "Madame, Monsieur,",
            to.split()[0].replace("M.", "Monsieur").replace("Mme", "Madame") + ",",
        ),
        body,
        "Mes services restent à votre disposition pour tout renseignement complémentaire.",
        c.pick(
            "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
            "Veuillez agréer, Madame, Monsieur, l'assurance de ma considération distinguée.",
        ),
        ["Le Maire,", c.mayor],
    )


def _courrier_usager(c: _Ctx) -> str:
    me = c.person()
    subject, ask = c.r.choice(
        [
            (
                "Demande d'acte",
                "Je souhaiterais obtenir une copie intégrale de mon acte de naissance, nécessaire à une demande de passeport.",
            ),
            (
                "Permis de construire",
                f"J'ai déposé le {c.when(c.date())} une demande de permis de construire et n'ai reçu aucune réponse à ce jour.",
            ),
            (
                "Nuisances sonores",
                "Je souhaite attirer votre attention sur les nuisances répétées causées par un commerce voisin.",
            ),
            (
                "Inscription scolaire",
                "Je sollicite l'inscription de mon fils à l'école maternelle de la commune.",
            ),
        ]
    )
    return _lines(
        [me, c.f.street_address(), f"{c.f.postcode()} {c.town}"],
        ["Monsieur le Maire", f"Mairie de {c.town}"],
        f"{c.town}, le {c.when()}",
        f"Objet : {subject}",
        c.pick("Monsieur le Maire,", "Madame, Monsieur,"),
        [
            f"{c.pick('Je me permets de vous écrire au sujet suivant.', 'Je vous sollicite pour la raison suivante.')} {ask}"
        ]
        + c.some(_REMARKS, 0, 2),
        "Je vous remercie par avance de l'attention que vous porterez à ma demande.",
        c.pick(
            "Dans l'attente de votre réponse, je vous prie d'agréer, Monsieur le Maire, l'expression de mes sentiments respectueux.",
            "Veuillez agréer, Madame, Monsieur, mes salutations distinguées.",
            "Cordialement,",
        ),
        me,
    )


def _courrier_recommande(c: _Ctx) -> str:
    sender = c.f.company()
    return _lines(
        [sender, c.f.street_address(), f"{c.f.postcode()} {c.f.city()}"],
        c.pick(
            "Lettre recommandée avec accusé de réception", "LRAR n° 1A " + str(c.r.randrange(10**9))
        ),
        [f"À l'attention de {c.mayor}", f"Mairie de {c.town}"],
        f"{c.f.city()}, le {c.when()}",
        f"Objet : {c.pick('Résiliation', 'Information', 'Relance')} — dossier {c.ref()}",
        "Madame, Monsieur,",
        c.some(
            [
                f"Nous faisons suite à notre échange téléphonique du {c.when(c.date())}.",
                "Vous trouverez ci-joint les pièces demandées.",
                _remark(c),
                "Nous restons à votre disposition pour convenir d'un rendez-vous.",
            ],
            2,
            4,
        ),
        "P.J. : " + c.pick("attestation", "relevé", "copie du courrier précédent"),
        c.pick(
            "Cordialement,",
            "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.",
        ),
        [c.person(), c.f.job().capitalize()],
    )


# --- factures and bons de commande ---------------------------------------------------------

_SUPPLIES = (
    "Ramettes papier A4 80 g",
    "Cartouches d'encre",
    "Sacs de sel de déneigement",
    "Peinture routière blanche",
    "Plants de fleurs annuelles",
    "Chaises pliantes",
    "Ampoules LED E27",
    "Fournitures scolaires",
    "Heures de main-d'œuvre",
    "Location de nacelle",
    "Désherbeur thermique",
    "Panneaux de signalisation",
)


def _items(c: _Ctx) -> tuple[list[str], float]:
    rows, total = [], 0.0
    for name in c.r.sample(_SUPPLIES, c.r.randint(1, 5)):
        quantity, unit = c.r.randint(1, 40), c.amount(2, 400)
        total += quantity * unit
        rows.append(f"{name}    {quantity}    {_euros(unit)}    {_euros(quantity * unit)}")
    return rows, round(total, 2)


def _totals(c: _Ctx, total: float, vat: float = 0.2) -> list[str]:
    return [
        f"Total HT : {_euros(total)}",
        f"TVA {vat * 100:.0f} % : {_euros(total * vat)}",
        f"{c.pick('Total TTC', 'Montant TTC')} : {_euros(total * (1 + vat))}",
    ]


def _supplier(c: _Ctx) -> list[str]:
    name = f"{c.f.company()} {c.f.company_suffix()}"
    return [name, c.f.street_address(), f"{c.f.postcode()} {c.f.city()}", f"SIRET : {c.f.siret()}"]


def _facture_fournisseur(c: _Ctx) -> str:
    rows, total = _items(c)
    due = c.later()
    return _lines(
        _supplier(c) + [f"N° TVA intracommunautaire : {c.f.company_vat()}"],
        [f"Client : Mairie de {c.town}", c.pick("Service comptabilité", "Services techniques")],
        c.title("Facture") + f" n° {c.ref('FA-')}",
        [f"Date de facturation : {c.when()}", f"Votre bon de commande n° {c.ref('BC-')}"],
        ["Désignation    Qté    PU HT    Total HT", *rows],
        _totals(c, total) + [f"Net à payer : {_euros(total * 1.2)}"],
        c.some(
            [
                f"Échéance : {c.when(due)} — règlement par virement ou mandat administratif.",
                f"IBAN : {c.f.iban()}",
                "En cas de retard de paiement, des pénalités au taux légal seront appliquées, ainsi qu'une indemnité forfaitaire de 40 € pour frais de recouvrement.",
                "Pas d'escompte pour paiement anticipé.",
            ],
            2,
            4,
        ),
    )


def _facture_energie(c: _Ctx) -> str:
    kind, unit = c.r.choice([("d'électricité", "kWh"), ("d'eau", "m³"), ("de gaz", "kWh")])
    used = c.r.randint(40, 90_000)
    total = c.amount(60, 9000)
    return _lines(
        c.pick("EauLim", "Énergies de France", "Régie des eaux", "Gaz & Services")
        + " — Service clients",
        c.title(f"Votre facture {kind}") + f" du {c.when()}",
        [f"Numéro client : {c.r.randrange(10**9)}", f"Référence de facture : {c.ref('E')}"],
        [
            f"Titulaire du contrat : Commune de {c.town}",
            f"Point de livraison : {c.f.street_address()}",
        ],
        [
            f"Période de consommation : du {c.when(c.day - timedelta(days=c.r.randint(28, 92)))} au {c.when()}",
            f"Consommation relevée : {used} {unit}",
            f"Abonnement : {_euros(c.amount(10, 200))}",
        ],
        _totals(c, total, c.pick(0.2, 0.055)),
        f"Montant à régler avant le {c.when(c.later())} : {_euros(total * 1.2)}",
        c.pick(
            "Paiement par prélèvement automatique.",
            "Paiement par virement, en rappelant la référence de facture.",
        ),
    )


def _facture_usager(c: _Ctx) -> str:
    meals, price = c.r.randint(5, 22), c.amount(2.5, 5)
    return _lines(
        c.header(),
        c.title("Facture")
        + f" — {c.pick('Restauration scolaire', 'Accueil périscolaire', 'Location de salle')}",
        [f"Facture n° {c.ref('RS')}", f"Période : {MONTHS[c.day.month - 1]} {c.year}"],
        [f"Famille {c.f.last_name()}", c.f.street_address(), f"{c.f.postcode()} {c.town}"],
        [
            f"Nombre de repas : {meals} x {_euros(price)}",
            f"Montant total : {_euros(meals * price)}",
        ],
        f"Net à payer : {_euros(meals * price)}",
        f"À régler avant le {c.when(c.later())} auprès du service de gestion comptable ou en ligne (PayFiP).",
        "Titre exécutoire en application de l'article L.252 A du livre des procédures fiscales.",
    )


def _bon_commande_mairie(c: _Ctx) -> str:
    rows, total = _items(c)
    return _lines(
        c.header(),
        c.title("Bon de commande") + f" n° {c.ref('BC-')}",
        [
            f"Date de commande : {c.when()}",
            f"Service demandeur : {c.pick('Services techniques', 'Écoles', 'Espaces verts')}",
        ],
        ["Fournisseur :"] + _supplier(c),
        [
            f"Imputation budgétaire : {c.pick('60632', '6068', '2188', '615231')} — engagement n° {c.ref('ENG')}"
        ],
        ["Désignation    Qté    PU HT    Montant HT", *rows],
        _totals(c, total),
        c.some(
            [
                f"Adresse de livraison : Centre technique municipal, {c.f.street_address()}, {c.town}.",
                f"Délai de livraison souhaité : {c.r.randint(1, 6)} semaines.",
                "La facture devra rappeler le numéro du présent bon de commande et être déposée sur Chorus Pro.",
            ],
            2,
            3,
        ),
        ["Bon pour accord, l'ordonnateur,", c.mayor],
    )


def _bon_commande_ecole(c: _Ctx) -> str:
    school = f"École {c.pick('élémentaire', 'maternelle', 'primaire')} {c.f.last_name()}"
    rows = [
        f"Réf. {c.r.randrange(10000, 99999)}    {c.pick(*_SUPPLIES)}    conditionnement {c.r.randint(1, 50)}    quantité {c.r.randint(1, 30)}"
        for _ in range(c.r.randint(2, 6))
    ]
    return _lines(
        f"{school} — {c.town}",
        c.title("Commande de fournitures") + f" n° {c.ref('CMD')}",
        f"Fournisseur : {c.f.company()} (catalogue {c.year})",
        ["Articles commandés :", *rows],
        f"Montant estimé de la commande : {_euros(c.amount(80, 3000))} TTC",
        f"Livraison à l'école, {c.f.street_address()}, du lundi au vendredi de 8 h 30 à 16 h.",
        [
            f"Visa du directeur d'école : {c.person()}",
            "Validation du service finances (crédits scolaires) :",
        ],
    )


def _bon_commande_marche(c: _Ctx) -> str:
    rows, total = _items(c)
    return _lines(
        c.header()[:2],
        c.title("Bon de commande")
        + f" n° {c.r.randint(1, 60)} émis en exécution du marché à bons de commande n° {c.ref('M')}",
        f"Titulaire : {c.f.company()} — SIRET {c.f.siret()}",
        f"En application de l'accord-cadre, il est commandé au titulaire les prestations suivantes, livrables au plus tard le {c.when(c.later())} :",
        ["Prestation    Quantité    Prix unitaire    Montant", *rows],
        _totals(c, total),
        f"Lieu d'exécution : {c.pick('groupe scolaire', 'mairie', 'stade municipal')} de {c.town}.",
        [f"À {c.town}, le {c.when()}", "Le représentant du pouvoir adjudicateur,", c.mayor],
        "Accusé de réception du titulaire :",
    )


# --- contrats and conventions --------------------------------------------------------------


def _parties(c: _Ctx, them: str, alias: str) -> list[str]:
    return [
        c.pick("Entre les soussignés :", "ENTRE :"),
        f"La commune de {c.town}, représentée par son maire, {c.mayor}, dûment habilité(e) par délibération du {c.when(c.date())}, d'une part,",
        "Et",
        f"{them}, ci-après dénommé(e) « {alias} », d'autre part,",
    ]


def _contrat_marche(c: _Ctx) -> str:
    firm = c.f.company()
    total = c.amount(5000, 400_000)
    return _lines(
        c.title(f"Marché public de {c.pick('travaux', 'services', 'fournitures')}"),
        c.pick("ACTE D'ENGAGEMENT (AE)", "Acte d'engagement"),
        f"Pouvoir adjudicateur : Commune de {c.town}",
        f"Objet du marché : {c.pick('réfection de la toiture de l’école', 'entretien des espaces verts', 'fourniture de repas en liaison froide', 'maintenance de l’éclairage public')}",
        "Procédure adaptée passée en application des articles L.2123-1 et R.2123-1 du code de la commande publique.",
        f"Le titulaire : {firm}, SIRET {c.f.siret()}, {c.f.street_address()}, {c.f.city()}",
        "s'engage, sur la base de son offre et pour son propre compte, à exécuter les prestations dans les conditions du cahier des clauses administratives particulières (CCAP) et du cahier des clauses techniques particulières (CCTP).",
        c.some(
            [
                f"Montant du marché : {_euros(total)} HT, soit {_euros(total * 1.2)} TTC.",
                f"Durée du marché : {c.r.randint(2, 48)} mois à compter de la notification.",
                "Le délai global de paiement est de 30 jours ; les paiements sont effectués par virement.",
                "Une avance de 5 % est accordée au titulaire sauf renonciation expresse.",
                "Des pénalités de retard sont appliquées selon l'article 8 du CCAP.",
            ],
            3,
            5,
        ),
        [
            f"Signature du titulaire, à {c.f.city()}, le {c.when()}",
            "Le représentant du pouvoir adjudicateur,",
            c.mayor,
        ],
        f"Date de notification du marché : {c.when(c.later())}",
    )


def _contrat_prestation(c: _Ctx) -> str:
    firm = c.f.company()
    kind = c.pick("maintenance", "prestation de services", "location", "abonnement")
    articles = [
        f"Le prestataire assure la {kind} des {c.pick('photocopieurs', 'chaudières', 'logiciels de gestion', 'ascenseurs')} de la commune.",
        f"Le présent contrat est conclu pour une durée d'un an à compter du {c.when(c.later())}, renouvelable par tacite reconduction.",
        f"Le prix annuel est fixé à {_euros(c.amount(300, 20000))} HT, révisable chaque année.",
        "Chacune des parties peut résilier le contrat par lettre recommandée avec un préavis de trois mois.",
        "Le prestataire s'engage à intervenir dans un délai de 48 heures ouvrées.",
    ]
    return _lines(
        c.title(f"Contrat de {kind}") + f" n° {c.ref('CT-')}",
        _parties(c, f"la société {firm}, SIRET {c.f.siret()}", "le prestataire"),
        "Il a été convenu ce qui suit :",
        c.numbered(articles, 3, 5),
        "Tout litige relatif à l'exécution du présent contrat relève du tribunal compétent.",
        f"Fait en deux exemplaires, à {c.town}, le {c.when()}.",
        ["Pour la commune,", c.mayor, "Pour le prestataire,", c.person()],
    )


def _contrat_travail(c: _Ctx) -> str:
    agent = c.person()
    return _lines(
        c.header()[:2],
        c.title("Contrat de travail à durée déterminée") + " — agent contractuel de droit public",
        _parties(
            c,
            f"{agent}, né(e) le {c.when(date(1960, 1, 1) + timedelta(days=c.r.randrange(15000)))}, demeurant {c.f.street_address()}",
            "l'agent",
        ),
        "Vu le code général de la fonction publique, notamment son article L.332-23 ;",
        "Il est convenu ce qui suit :",
        f"Article 1 — Engagement : l'agent est recruté(e) en qualité d'{c.pick('adjoint technique', 'animateur', 'adjoint administratif')} "
        f"pour la période du {c.when()} au {c.when(c.later(365))} pour faire face à un accroissement temporaire d'activité.",
        f"Article 2 — Période d'essai : {c.r.randint(1, 4)} semaines.",
        f"Article 3 — Rémunération : l'agent percevra un traitement calculé sur l'indice brut {c.r.randint(367, 450)}.",
        "Article 4 — Congés : l'agent a droit aux congés annuels prévus pour les agents contractuels.",
        "Article 5 — Fin du contrat : le contrat prend fin à son terme sans préavis ; un certificat de travail sera délivré.",
        f"Fait en deux exemplaires, à {c.town}, le {c.when()}.",
        ["L'agent,", agent, "Le Maire,", c.mayor],
    )


def _convention_association(c: _Ctx) -> str:
    club = f"{c.pick('Union sportive', 'Comité des fêtes', 'Amicale laïque', 'Les Amis du patrimoine')} de {c.town}"
    return _lines(
        c.title(c.pick("Convention d'objectifs et de moyens", "Convention de partenariat")),
        _parties(
            c,
            f"l'association {club}, association loi 1901 déclarée en préfecture, représentée par son président(e) {c.person()}",
            "l'association",
        ),
        [
            "Préambule",
            f"La commune souhaite soutenir les actions d'intérêt général menées par l'association. {_remark(c)}",
        ],
        "Il a été convenu ce qui suit :",
        "Article 1 — Objet de la convention : la présente convention définit les engagements réciproques des parties.",
        f"Article 2 — Engagements de l'association : {c.pick('organiser des activités ouvertes à tous', 'animer la vie locale', 'entretenir le site mis à disposition')}.",
        f"Article 3 — Subvention : la commune verse une subvention de {_euros(c.amount(500, 30000))}, en {c.pick('une', 'deux')} fois.",
        f"Article 4 — Durée : la convention est conclue pour {c.pick('un an', 'trois ans')}.",
        "Article 5 — Contrôle : l'association transmet chaque année son compte rendu financier et son rapport d'activité.",
        "Article 6 — Résiliation : en cas de non-respect des engagements, la convention peut être résiliée par l'une ou l'autre des parties.",
        f"Fait en deux exemplaires originaux, à {c.town}, le {c.when()}.",
        ["Pour la commune,", c.mayor, "Pour l'association,", c.person()],
    )


def _convention_occupation(c: _Ctx) -> str:
    occupant = c.pick(f"la société {c.f.company()}", c.person())
    place = c.pick(
        "une terrasse sur le domaine public",
        "un local communal",
        "un emplacement sur le marché",
        "un terrain communal",
    )
    clauses = [
        f"La commune autorise l'occupant à occuper {place}, à titre précaire et révocable.",
        f"La présente convention est consentie moyennant une redevance annuelle de {_euros(c.amount(50, 5000))}.",
        "Un état des lieux contradictoire est dressé à l'entrée et à la sortie de l'occupant.",
        "L'occupant souscrit une assurance couvrant sa responsabilité civile.",
        "La convention n'est pas constitutive de droits réels et ne peut être cédée.",
    ]
    return _lines(
        c.title("Convention d'occupation temporaire du domaine public")
        if c.r.random() < 0.5
        else c.title("Convention de mise à disposition"),
        _parties(c, occupant, "l'occupant"),
        "Vu le code général de la propriété des personnes publiques ;",
        "Les parties conviennent de ce qui suit :",
        c.numbered(clauses, 3, 5),
        f"Fait à {c.town}, le {c.when()}, en deux exemplaires.",
        ["L'occupant,", "Le Maire,", c.mayor],
    )


def _convention_stage(c: _Ctx) -> str:
    student = c.person()
    return _lines(
        c.title("Convention de stage"),
        f"Entre l'établissement d'enseignement {c.pick('Lycée', 'IUT', 'Université')} {c.f.last_name()}, représenté par {c.person()},",
        f"l'organisme d'accueil : Mairie de {c.town}, représentée par {c.mayor},",
        f"et le/la stagiaire : {student}, étudiant(e) en {c.pick('BTS', 'licence', 'master')} {c.pick('gestion', 'droit public', 'informatique')}.",
        f"Article 1 — Objet : la présente convention règle les rapports entre les parties pour le stage effectué du {c.when()} au {c.when(c.later())}.",
        f"Article 2 — Tuteur : {c.person()}, {c.f.job()}, assure l'encadrement du stagiaire.",
        f"Article 3 — Gratification : {c.pick('le stage donne lieu à une gratification légale', 'le stage, inférieur à deux mois, ne donne pas lieu à gratification')}.",
        "Article 4 — Le stagiaire est soumis au règlement intérieur de la collectivité.",
        ["Signatures des parties :", "L'établissement", "L'organisme d'accueil", "Le stagiaire"],
    )


# --- comptes rendus ------------------------------------------------------------------------


def _cr_reunion(c: _Ctx) -> str:
    topic = c.pick(
        "réunion de chantier n° " + str(c.r.randint(1, 20)),
        "commission travaux",
        "comité de pilotage du projet d'école",
    )
    points = [
        f"Avancement : {_remark(c)}",
        f"L'entreprise {c.f.company()} signale un retard de {c.r.randint(1, 4)} semaines sur le lot {c.r.randint(1, 9)}.",
        f"Le maître d'œuvre rappelle que {_remark(c)[0].lower()}{_remark(c)[1:]}",
        f"Budget : le montant engagé s'élève à {_euros(c.amount(1000, 200000))}.",
        "Sécurité : les accès au chantier doivent être fermés chaque soir.",
    ]
    return _lines(
        c.title("Compte rendu") + f" — {topic}",
        [f"Date : {c.when()}", f"Lieu : mairie de {c.town}"],
        [
            f"Présents : {', '.join(c.person() for _ in range(c.r.randint(2, 5)))}",
            f"Excusés : {c.person()}",
            "Diffusion : participants, services techniques",
        ],
        [
            "Points abordés :",
            *[f"{i}. {text}" for i, text in enumerate(c.some(points, 3, 5), start=1)],
        ],
        [
            "Actions à mener :",
            f"— {c.person()} : transmettre le planning actualisé avant le {c.when(c.later())}.",
        ],
        f"Prochaine réunion le {c.when(c.later())} à {c.r.randint(8, 17)} h.",
        f"Rédigé par {c.person()}.",
    )


def _cr_conseil(c: _Ctx) -> str:
    items = [_subject(c)[0] for _ in range(c.r.randint(2, 4))]
    return _lines(
        c.header()[:2],
        c.title("Compte rendu de la séance du conseil municipal") + f" du {c.when()}",
        f"Le conseil municipal s'est réuni sous la présidence de {c.mayor}, Maire.",
        [
            f"Présents : {', '.join(c.person() for _ in range(4))}",
            f"Absents excusés : {c.person()}",
            f"Secrétaire de séance : {c.person()}",
        ],
        [
            "Ordre du jour :",
            "1. Approbation du compte rendu de la séance précédente",
            *[f"{i}. {s}" for i, s in enumerate(items, start=2)],
            f"{len(items) + 2}. Questions diverses",
        ],
        "Le compte rendu de la séance précédente est approuvé à l'unanimité.",
        [
            f"{s} : {c.pick('adopté à l’unanimité', 'adopté par 14 voix pour et 1 contre', 'approuvé après débat')}."
            for s in items
        ],
        ["Questions diverses :", _remark(c)],
        f"L'ordre du jour étant épuisé, la séance est levée à {c.r.randint(20, 23)} h {c.r.randint(0, 59):02d}.",
        "Affiché en mairie conformément à l'article L.2121-25 du CGCT.",
    )


def _cr_conseil_ecole(c: _Ctx) -> str:
    return _lines(
        c.title(c.pick("Procès-verbal du conseil d'école", "Compte rendu du conseil d'école")),
        f"École {c.f.last_name()} — {c.town} — {c.pick('1er', '2e', '3e')} trimestre, réunion du {c.when()}",
        [
            f"Présents : la directrice {c.person()}, les enseignants, les représentants des parents d'élèves, {c.mayor} (maire)",
            "Excusée : l'inspectrice de l'éducation nationale",
        ],
        c.some(
            [
                f"Effectifs : {c.r.randint(60, 300)} élèves prévus à la rentrée.",
                "Sécurité : un exercice d'évacuation a eu lieu ; le PPMS a été mis à jour.",
                "Travaux : la commune a remplacé les stores de deux classes.",
                f"Projets : {_remark(c)}",
                "Restauration scolaire : les parents signalent des difficultés d'inscription en ligne.",
            ],
            3,
            5,
        ),
        "Tour de table et questions des parents.",
        f"La séance est levée à {c.r.randint(18, 20)} h. Secrétaire de séance : {c.person()}.",
    )


# --- état civil ----------------------------------------------------------------------------


def _etat_civil_naissance(c: _Ctx) -> str:
    girl = c.r.random() < 0.5
    child = (
        f"{c.f.first_name_female() if girl else c.f.first_name_male()} {c.f.last_name().upper()}"
    )
    father, mother = (
        f"{c.f.first_name_male()} {c.f.last_name()}",
        f"{c.f.first_name_female()} {c.f.last_name()}",
    )
    born = c.born(0, 80)
    married = born + timedelta(days=c.r.randint(20 * 365, 35 * 365))

    def parent_born() -> str:
        return c.when(born - timedelta(days=c.r.randint(20 * 365, 40 * 365)))

    return _lines(
        c.header()[:2],
        c.title(
            c.pick(
                "Copie intégrale d'acte de naissance", "Extrait d'acte de naissance avec filiation"
            )
        ),
        f"Acte n° {c.r.randint(1, 400)}",
        f"Le {c.when(born)}, à {c.r.randint(0, 23)} heures {c.r.randint(0, 59)} minutes, est {'née' if girl else 'né'} à {c.town} ({c.department}), "
        f"{child}, de sexe {'féminin' if girl else 'masculin'},",
        f"{'fille' if girl else 'fils'} de {father}, né le {parent_born()} à {c.f.city()}, {c.f.job()},",
        f"et de {mother}, née le {parent_born()} à {c.f.city()}, {c.f.job()}, domiciliés {c.f.street_address()}.",
        f"Dressé le {c.when(born + timedelta(days=2))}, sur la déclaration du père, qui, lecture faite et invité à lire l'acte, a signé avec nous, {c.person()}, officier de l'état civil.",
        f"Mentions marginales : {'mariée' if girl else 'marié'} le {c.when(married)} à {c.f.city()}."
        if married < c.day and c.r.random() < 0.5
        else "Mentions marginales : néant.",
        f"Copie certifiée conforme, délivrée le {c.when()} par l'officier de l'état civil.",
    )


def _etat_civil_mariage(c: _Ctx) -> str:
    him, her = (
        f"{c.f.first_name_male()} {c.f.last_name().upper()}",
        f"{c.f.first_name_female()} {c.f.last_name().upper()}",
    )
    return _lines(
        c.header()[:2],
        c.title("Acte de mariage") + f" n° {c.r.randint(1, 80)}",
        f"Le {c.when()}, à {c.r.randint(10, 17)} heures, devant nous ont comparu publiquement en la maison commune :",
        f"{him}, {c.f.job()}, né le {c.when(c.born(20, 60))} à {c.f.city()}, domicilié à {c.town}, fils de {c.parents()} ;",
        f"{her}, {c.f.job()}, née le {c.when(c.born(20, 60))} à {c.f.city()}, domiciliée à {c.town}, fille de {c.parents()}.",
        c.pick(
            "Sans contrat de mariage.",
            f"Les futurs époux ont déclaré qu'un contrat de mariage a été reçu par Maître {c.f.last_name()}, notaire à {c.f.city()}.",
        ),
        "Les futurs époux ont déclaré l'un après l'autre vouloir se prendre pour époux et nous avons prononcé au nom de la loi qu'ils sont unis par le mariage.",
        f"En présence de {c.person()} et de {c.person()}, témoins majeurs.",
        f"Lecture faite et invités à lire l'acte, les époux et les témoins ont signé avec nous, {c.person()}, adjoint(e) au maire, officier de l'état civil par délégation.",
    )


def _etat_civil_deces(c: _Ctx) -> str:
    dead = f"{c.f.first_name_male()} {c.f.last_name().upper()}"
    return _lines(
        c.header()[:2],
        c.title("Acte de décès") + f" n° {c.r.randint(1, 150)}",
        f"Le {c.when()}, à {c.r.randint(0, 23)} heures, est décédé à {c.town}, {c.f.street_address()}, {dead},",
        f"né le {c.when(c.born(60, 100))} à {c.f.city()}, retraité, domicilié à {c.town},",
        f"fils de {c.parents()}, époux de {c.f.first_name_female()} {c.f.last_name()}.",
        f"Dressé le {c.when(c.later())}, sur la déclaration de {c.person()}, {c.pick('fils du défunt', 'employé des pompes funèbres')}, qui, lecture faite, a signé avec nous, {c.person()}, officier de l'état civil.",
        c.pick("Mentions marginales : néant.", "Transcription effectuée au registre du domicile."),
    )


# --- urbanisme -----------------------------------------------------------------------------


def _dossier(c: _Ctx, prefix: str) -> str:
    return f"{prefix} 0{c.r.randint(10, 95)} {c.r.randint(100, 999)} {c.year % 100} {c.pick('A', 'B', 'X')}{c.r.randint(1, 200):04d}"


def _parcel(c: _Ctx) -> str:
    return f"section {c.pick('AB', 'ZC', 'B', 'AH')} n° {c.r.randint(1, 900)}"


def _urbanisme_permis(c: _Ctx) -> str:
    kind = c.pick("permis de construire", "permis d'aménager", "permis de démolir")
    vus = [
        f"Vu la demande de {kind} présentée le {c.when()} par {c.person()}, demeurant {c.f.street_address()} ;",
        "Vu le code de l'urbanisme, notamment ses articles L.421-1 et suivants et R.421-1 et suivants ;",
        f"Vu le plan local d'urbanisme approuvé le {c.when(c.date())} ;",
        f"Vu l'avis {c.pick('favorable', 'favorable avec prescriptions')} du gestionnaire du réseau d'électricité ;",
    ]
    return _lines(
        c.header()[:2],
        [
            f"Dossier n° {_dossier(c, 'PC' if 'construire' in kind else 'PA')}",
            f"Terrain : {c.f.street_address()}, cadastré {_parcel(c)}",
        ],
        f"Nature des travaux : {c.pick('construction d’une maison individuelle', 'extension d’une habitation', 'création d’un lotissement de 6 lots', 'démolition d’un hangar')}",
        f"Surface de plancher créée : {c.r.randint(20, 400)} m²",
        c.title(f"Arrêté accordant un {kind}") + " au nom de la commune",
        f"Le Maire de {c.town},",
        c.some(vus, 2, 4),
        "ARRÊTE :",
        f"Article 1 : Le {kind} est ACCORDÉ pour le projet décrit dans la demande susvisée.",
        "Article 2 : Le projet respectera les prescriptions du gestionnaire des réseaux.",
        c.signed(),
        c.some(
            [
                "Durée de validité : le permis est périmé si les travaux ne sont pas entrepris dans le délai de trois ans.",
                "Affichage : mention du permis doit être affichée sur le terrain pendant toute la durée du chantier.",
                "Le projet est soumis à la taxe d'aménagement.",
                "Le bénéficiaire adresse une déclaration d'ouverture de chantier (DOC) puis la déclaration attestant l'achèvement et la conformité des travaux (DAACT).",
            ],
            2,
            4,
        ),
    )


def _urbanisme_declaration(c: _Ctx) -> str:
    work = c.pick(
        "pose d'une clôture",
        "installation de panneaux photovoltaïques",
        "ravalement de façade",
        "création d'un abri de jardin de 15 m²",
    )
    return _lines(
        c.header(),
        c.title("Récépissé de dépôt d'une déclaration préalable")
        if c.r.random() < 0.5
        else c.title("Arrêté de non-opposition à une déclaration préalable"),
        f"Déclaration préalable n° {_dossier(c, 'DP')} déposée le {c.when()} par {c.person()}",
        f"Terrain : {c.f.street_address()}, {c.town} — parcelle cadastrée {_parcel(c)}",
        f"Objet : {work}",
        c.some(
            [
                "Le délai d'instruction est d'un mois à compter du dépôt du dossier complet, conformément au code de l'urbanisme.",
                "Si vous ne recevez pas de courrier de l'administration dans ce délai, vous bénéficierez d'une décision de non-opposition tacite.",
                "Le projet est situé en zone UB du plan local d'urbanisme (PLU).",
                "Le terrain est situé dans le périmètre de protection d'un monument historique : l'avis de l'architecte des bâtiments de France est requis.",
            ],
            2,
            4,
        ),
        c.signed("Pour le Maire, l'adjoint(e) délégué(e) à l'urbanisme", c.person()),
    )


def _urbanisme_certificat(c: _Ctx) -> str:
    return _lines(
        c.header()[:2],
        c.title(
            c.pick("Certificat d'urbanisme d'information", "Certificat d'urbanisme opérationnel")
        ),
        f"Dossier n° {_dossier(c, 'CU')} — demande déposée le {c.when()} par {c.pick('Maître ' + c.f.last_name() + ', notaire', c.person())}",
        f"Terrain : {c.f.street_address()}, cadastré {_parcel(c)}, superficie {c.r.randint(300, 9000)} m²",
        "Le Maire certifie, en application de l'article L.410-1 du code de l'urbanisme :",
        c.numbered(
            [
                f"Le terrain est situé en zone {c.pick('UA', 'UB', 'AU', 'N', 'A')} du plan local d'urbanisme.",
                "Le terrain est grevé des servitudes d'utilité publique suivantes : AC1 (monuments historiques).",
                "Le terrain est soumis au droit de préemption urbain au bénéfice de la commune.",
                "Taxes et participations : taxe d'aménagement, redevance d'archéologie préventive.",
                "Équipements publics : le terrain est desservi par les réseaux d'eau et d'électricité.",
            ],
            3,
            5,
        ),
        "Durée de validité : 18 mois à compter de la date de délivrance.",
        c.signed(),
    )


_TEMPLATES: dict[str, tuple[Callable[[_Ctx], str], ...]] = {
    "arrete": (_arrete_circulation, _arrete_personnel, _arrete_police, _arrete_delegation),
    "deliberation": (_deliberation_registre, _deliberation_communautaire, _deliberation_courte),
    "courrier": (_courrier_sortant, _courrier_usager, _courrier_recommande),
    "facture": (_facture_fournisseur, _facture_energie, _facture_usager),
    "bon_de_commande": (_bon_commande_mairie, _bon_commande_ecole, _bon_commande_marche),
    "contrat": (_contrat_marche, _contrat_prestation, _contrat_travail),
    "convention": (_convention_association, _convention_occupation, _convention_stage),
    "compte_rendu": (_cr_reunion, _cr_conseil, _cr_conseil_ecole),
    "etat_civil": (_etat_civil_naissance, _etat_civil_mariage, _etat_civil_deces),
    "urbanisme": (_urbanisme_permis, _urbanisme_declaration, _urbanisme_certificat),
}

#: the document types this module writes (every seeded type except "autre")
TYPES = tuple(_TEMPLATES)


def generate(type_code: str, seed: int) -> str:
    """A plausible document of type ``type_code``; the same arguments give the same text."""
    try:
        templates = _TEMPLATES[type_code]
    except KeyError:
        raise ValueError(
            f"no generator for type {type_code!r}; known: {', '.join(TYPES)}"
        ) from None
    fake = _faker()
    # Seeding with the type too keeps documents of different types from sharing their draws.
    fake.seed_instance(f"{type_code}:{seed}")
    context = _Ctx(fake)
    return context.r.choice(templates)(context)


#: what a mediocre OCR makes of some characters
_CONFUSIONS = {
    "e": "c",
    "l": "1",
    "o": "0",
    "i": "l",
    "m": "rn",
    "s": "5",
    "'": " ",
    "é": "e",
    "è": "e",
    "à": "a",
}


def garble(text: str, seed: int, rate: float = 0.02) -> str:
    """``text`` as a poor scan reads: confused or lost characters, words hyphenated at line ends."""
    r = random.Random(seed)
    out: list[str] = []
    for char in text:
        roll = r.random()
        if roll < rate:
            out.append(_CONFUSIONS.get(char, ""))
        elif roll < rate * 1.5 and char.isalpha() and out and out[-1].isalpha():
            out.append("-\n" + char)
        else:
            out.append(char)
    return "".join(out)
