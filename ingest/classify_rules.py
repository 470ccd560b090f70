"""Built-in classification rules for French local administrations.

Used when the configuration names no rules (``classification.rules`` empty). Keywords are
written accent-folded and lowercased, as ``ingest.classify.normalise`` leaves the text;
patterns are regular expressions over that same text. Weights follow one scale: about 4
for a phrase that names the type ("registre des deliberations", "mentions marginales"),
2-3 for a formula typical of it, 1 or less for a word that other types use too. No rule
for "autre": it is what an agent picks when nothing fits, not something text can show.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class ClassificationRule(BaseModel):
    """One type's weighted evidence. A pydantic model because the configuration
    (``[[classification.rules]]``) is validated into it, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: code of a document type (see the document_types table)
    type: str
    #: word or phrase -> weight; matched on accent-folded, lowercased text
    keywords: dict[str, float] = {}
    #: regular expression -> weight
    patterns: dict[str, float] = {}


ARRETE = ClassificationRule(
    type="arrete",
    keywords={
        "arrete": 2,
        "arrete :": 3,
        "arretons": 3,
        "arrete municipal": 3,
        "arrete du maire": 3,
        "le maire": 1,
        "nous, maire": 2,
        "vu le code general des collectivites territoriales": 2,
        "considerant": 1,
        "article 1er": 1.5,
        "portant": 1,
        "pouvoirs de police": 2.5,
        "ampliation": 2.5,
        "charges de l'execution": 2,
        "delegation de fonctions": 2,
        "recours devant le tribunal administratif": 1.5,
        "notifie a l'agent": 2,
        "recueil des actes administratifs": 1.5,
    },
    patterns={r"\barrete (?:municipal |du maire )?n[°o]": 3},
)

DELIBERATION = ClassificationRule(
    type="deliberation",
    keywords={
        "deliberation": 2,
        "registre des deliberations": 4,
        "extrait du registre": 3,
        "conseil municipal": 1.5,
        "conseil communautaire": 2,
        "apres en avoir delibere": 3,
        "conseillers en exercice": 3,
        "en exercice": 1.5,
        "votants": 2,
        "voix pour": 2,
        "abstention": 1.5,
        "a l'unanimite": 1.5,
        "mise aux voix": 2.5,
        "quorum": 2,
        "dument convoque": 2,
        "session ordinaire": 1.5,
        "certifie executoire": 3,
        "rendu executoire": 2.5,
        "pour extrait conforme": 3,
        "delibere les jour, mois et an": 3,
        "controle de legalite": 1.5,
    },
    # Bare "pour" and "contre" are everyday prepositions; only a tally ("pour : 15") is a vote.
    patterns={r"\b(?:pour|contre|abstentions?) ?: ?\d+": 2},
)

COURRIER = ClassificationRule(
    type="courrier",
    keywords={
        "madame, monsieur": 3,
        "monsieur le maire,": 2,
        "objet :": 1,
        "nos ref": 2,
        "votre ref": 2,
        "affaire suivie par": 3,
        "je vous prie d'agreer": 4,
        "veuillez agreer": 4,
        "salutations distinguees": 3,
        "consideration distinguee": 3,
        "sentiments respectueux": 3,
        "cordialement": 2,
        "lettre recommandee avec accuse de reception": 2,
        "a l'attention de": 1.5,
        "p.j. :": 1.5,
        "je me permets": 2,
        "je vous remercie": 1.5,
        "je vous remercie par avance": 2,
        "l'attention que vous porterez": 2.5,
        "monsieur le maire": 1,
        "je souhaiterais": 1.5,
        "je sollicite": 1.5,
        "je vous sollicite": 1.5,
        "dans l'attente de votre reponse": 2.5,
        "j'ai bien recu": 2,
        "j'ai le plaisir": 2,
        "a votre disposition": 1.5,
        "suite a notre": 1.5,
    },
    patterns={r"\b(?:n|v)/ ?ref\b": 2},
)

FACTURE = ClassificationRule(
    type="facture",
    keywords={
        "facture": 2,
        "facturation": 2,
        "net a payer": 4,
        "montant ttc": 1.5,
        "total ttc": 1.5,
        "total ht": 1,
        "tva": 1,
        "echeance": 2,
        "iban": 1.5,
        "indemnite forfaitaire": 2,
        "frais de recouvrement": 2,
        "escompte": 2,
        "numero client": 2.5,
        "periode de consommation": 3,
        "consommation": 1.5,
        "abonnement": 1,
        "a regler": 2,
        "prelevement": 1.5,
        "payfip": 2.5,
        "titre executoire": 2,
        "avis des sommes a payer": 4,
        "mandat administratif": 1.5,
    },
    patterns={r"\bfacture (?:n[°o]|numero)": 3},
)

BON_DE_COMMANDE = ClassificationRule(
    type="bon_de_commande",
    keywords={
        "bon de commande": 4,
        "commande": 1.5,
        "commandes": 1.5,
        "date de commande": 3,
        "il est commande": 3,
        "commande de fournitures": 3,
        "articles commandes": 3,
        "service demandeur": 3,
        "fournisseur": 1.5,
        "imputation budgetaire": 3,
        "adresse de livraison": 2.5,
        "delai de livraison": 2.5,
        "livraison": 1,
        "conditionnement": 1.5,
        "catalogue": 1.5,
        "bon pour accord": 2,
        "ordonnateur": 1.5,
        "accuse de reception du titulaire": 2,
    },
    patterns={r"\bengagement n[°o]": 2.5, r"\bcommande (?:de [a-z ]{3,30} )?n[°o]": 2},
)

CONTRAT = ClassificationRule(
    type="contrat",
    keywords={
        "contrat": 1.5,
        "marche public": 3,
        "acte d'engagement": 4,
        "pouvoir adjudicateur": 2.5,
        "titulaire": 1.5,
        "code de la commande publique": 3,
        "cahier des clauses": 3,
        "ccap": 2,
        "cctp": 2,
        "objet du marche": 3,
        "duree du marche": 2.5,
        "notification du marche": 2,
        "le prestataire": 2,
        "tacite reconduction": 2.5,
        "preavis": 1.5,
        "periode d'essai": 3,
        "duree determinee": 2.5,
        "le present contrat": 3,
        "fin du contrat": 2,
        "contractuel": 1.5,
        "agent contractuel": 2,
        "accroissement temporaire d'activite": 2,
        "certificat de travail": 2,
        "il a ete convenu": 1,
    },
    patterns={r"\bcontrat de (?:maintenance|prestations?|location|abonnement|travail)\b": 3},
)

CONVENTION = ClassificationRule(
    type="convention",
    keywords={
        "convention": 2.5,
        "la presente convention": 3,
        "convention d'objectifs": 4,
        "convention de partenariat": 4,
        "convention de stage": 4,
        "convention d'occupation": 4,
        "les parties conviennent": 3,
        "engagements reciproques": 2,
        "association loi 1901": 2.5,
        "subvention": 1.5,
        "preambule": 1.5,
        "mise a disposition": 2,
        "domaine public": 1.5,
        "a titre precaire et revocable": 3,
        "redevance": 1.5,
        "etat des lieux": 1.5,
        "l'occupant": 1.5,
        "stagiaire": 2,
        "tuteur": 2,
        "gratification": 2.5,
        "organisme d'accueil": 3,
        "etablissement d'enseignement": 2,
        "code general de la propriete des personnes publiques": 2,
    },
)

COMPTE_RENDU = ClassificationRule(
    type="compte_rendu",
    keywords={
        "ordre du jour": 2.5,
        "proces-verbal": 1.5,
        "presents :": 1.5,
        "excuses :": 1.5,
        "diffusion :": 2,
        "points abordes": 3,
        "prochaine reunion": 3,
        "reunion": 1.5,
        "reunion de chantier": 3,
        "la seance est levee": 3,
        "questions diverses": 2.5,
        "tour de table": 2.5,
        "redige par": 2.5,
        "actions a mener": 2.5,
        "releve de decisions": 3,
        "conseil d'ecole": 2,
        "participants": 1.5,
    },
    # "compte rendu" is written with or without its hyphen.
    patterns={r"\bcompte[- ]rendu\b": 3},
)

ETAT_CIVIL = ClassificationRule(
    type="etat_civil",
    keywords={
        "etat civil": 2,
        "officier de l'etat civil": 4,
        "acte de naissance": 3,
        "acte de mariage": 4,
        "acte de deces": 4,
        "copie integrale": 2,
        "extrait d'acte": 2,
        "mentions marginales": 4,
        "filiation": 2,
        "de sexe": 2,
        "fils de": 1.5,
        "fille de": 1.5,
        "est ne": 1.5,
        "est nee": 1.5,
        "est decede": 2,
        "est decedee": 2,
        "lecture faite": 2,
        "sur la declaration d": 2,
        "maison commune": 2,
        "pour epoux": 2,
        "temoins": 1.5,
        "livret de famille": 2,
        "dresse le": 2.5,
        "transcription": 1.5,
    },
)

URBANISME = ClassificationRule(
    type="urbanisme",
    keywords={
        "permis de construire": 3,
        "permis d'amenager": 3,
        "permis de demolir": 3,
        "declaration prealable": 3,
        "certificat d'urbanisme": 4,
        "code de l'urbanisme": 3,
        "plan local d'urbanisme": 2,
        "plu": 1.5,
        "surface de plancher": 3,
        "parcelle": 2,
        "taxe d'amenagement": 2.5,
        "droit de preemption": 2.5,
        "servitudes d'utilite publique": 2.5,
        "ouverture de chantier": 2,
        "daact": 2.5,
        "architecte des batiments de france": 2.5,
        "non-opposition": 3,
        "delai d'instruction": 2.5,
        "terrain": 1,
    },
    patterns={
        r"\bcadastre(?:e|es|s)?\b": 2,
        # Dossier numbers: "PC 033 063 24 X0012", "DP 0330632400015".
        r"\b(?:pc|pa|pd|dp|cu) ?\d{3} ?\d{3} ?\d{2} ?[a-z0-9]\d{4}\b": 4,
    },
)

#: the built-in rules, one per document type that text can reveal
DEFAULT_RULES: tuple[ClassificationRule, ...] = (
    ARRETE,
    DELIBERATION,
    COURRIER,
    FACTURE,
    BON_DE_COMMANDE,
    CONTRAT,
    CONVENTION,
    COMPTE_RENDU,
    ETAT_CIVIL,
    URBANISME,
)


def rules_or_default(configured: Sequence[ClassificationRule]) -> Sequence[ClassificationRule]:
    """The configured rules, or the built-in ones when the configuration names none."""
    return configured or DEFAULT_RULES
