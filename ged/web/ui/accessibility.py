"""The accessibility statement (déclaration d'accessibilité) that French public bodies
publish under the RGAA, with the criteria ged's browser tests check on every page.

CRITERIA is the one list both the page and the tests read: tests/ui/test_browser.py runs
axe-core on every page and checks that each rule named here exists, is enabled and ran,
and it walks the pages with the keyboard for the criteria no rule covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from apiflask import APIBlueprint
from flask import render_template

from ged.web.auth import public

bp = APIBlueprint("accessibility", __name__, enable_openapi=False)

#: the RGAA version the criteria are numbered in
RGAA = "4.1.2"
#: the day this statement was last reviewed against the tests
REVIEWED_ON = "2026-12-02"
#: a check of the browser tests that is not an axe-core rule
KEYBOARD = "keyboard"


@dataclass(frozen=True)
class Criterion:
    number: str
    title: str  # in French, as the RGAA words it (translated on the page like any text)
    checks: tuple[str, ...]  # axe-core rule ids, or KEYBOARD


CRITERIA = (
    Criterion(
        "1.1",
        "Chaque image porteuse d'information a-t-elle une alternative textuelle ?",
        ("image-alt", "input-image-alt", "role-img-alt", "svg-img-alt"),
    ),
    Criterion("2.1", "Chaque cadre a-t-il un titre de cadre ?", ("frame-title",)),
    Criterion(
        "3.2",
        "Dans chaque page web, le contraste entre la couleur du texte et la couleur de son"
        " arrière-plan est-il suffisamment élevé ?",
        ("color-contrast",),
    ),
    Criterion(
        "5.7",
        "Pour chaque tableau de données, la technique appropriée permettant d'associer chaque"
        " cellule avec ses en-têtes est-elle utilisée ?",
        ("td-headers-attr", "th-has-data-cells"),
    ),
    Criterion("6.2", "Dans chaque page web, chaque lien a-t-il un intitulé ?", ("link-name",)),
    Criterion(
        "7.1",
        "Chaque script est-il, si nécessaire, compatible avec les technologies d'assistance ?",
        ("aria-allowed-attr", "aria-required-attr", "aria-roles", "aria-valid-attr-value"),
    ),
    Criterion(
        "8.3", "Dans chaque page web, la langue par défaut est-elle présente ?", ("html-has-lang",)
    ),
    Criterion(
        "8.4",
        "Pour chaque page web ayant une langue par défaut, le code de langue est-il pertinent ?",
        ("html-lang-valid",),
    ),
    Criterion("8.5", "Chaque page web a-t-elle un titre de page ?", ("document-title",)),
    Criterion(
        "8.7",
        "Dans chaque page web, chaque changement de langue est-il indiqué dans le code source ?",
        ("valid-lang",),
    ),
    Criterion(
        "9.1",
        "Dans chaque page web, l'information est-elle structurée par l'utilisation appropriée"
        " de titres ?",
        ("empty-heading", "heading-order"),
    ),
    Criterion(
        "9.3",
        "Dans chaque page web, chaque liste est-elle correctement structurée ?",
        ("list", "listitem"),
    ),
    Criterion(
        "10.7",
        "Dans chaque page web, pour chaque élément recevant le focus, la prise de focus est-elle"
        " visible ?",
        (KEYBOARD,),
    ),
    Criterion(
        "11.1",
        "Chaque champ de formulaire a-t-il une étiquette ?",
        ("label", "select-name"),
    ),
    Criterion(
        "11.9",
        "Dans chaque formulaire, l'intitulé de chaque bouton est-il pertinent ?",
        ("button-name",),
    ),
    Criterion(
        "12.6",
        "Les zones de regroupement de contenus présentes dans plusieurs pages web (en-tête,"
        " navigation, contenu principal, pied de page) peuvent-elles être atteintes ou évitées ?",
        ("landmark-one-main", "region"),
    ),
    Criterion(
        "12.7",
        "Dans chaque page web, un lien d'évitement ou d'accès rapide à la zone de contenu"
        " principal est-il présent ?",
        ("bypass", KEYBOARD),
    ),
    Criterion(
        "12.8",
        "Dans chaque page web, l'ordre de tabulation est-il cohérent ?",
        ("tabindex", KEYBOARD),
    ),
)


def axe_rules() -> set[str]:
    return {check for criterion in CRITERIA for check in criterion.checks if check != KEYBOARD}


@bp.get("/accessibilite")
@public
def statement():
    return render_template(
        "ui/accessibility.html",
        criteria=CRITERIA,
        rgaa=RGAA,
        reviewed_on=REVIEWED_ON,
        keyboard=KEYBOARD,
    )
