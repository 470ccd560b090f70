"""French by default, English on request: a cookie holds the choice, a link switches it.

French is the source language: templates and views write French text and wrap it
in ``_()``; ``english.MESSAGES`` maps it to English. Two languages do not justify
gettext's compile step; a text missing from the catalogue shows in French, and a
test checks that none is missing.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Blueprint, current_app, redirect, request

from ged.reasons import in_french
from ged.web.auth import public
from ged.web.ui.english import MESSAGES

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT = "fr"
COOKIE = "ged_lang"

bp = APIBlueprint("lang", __name__, enable_openapi=False)


def current_language() -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT


def translate(text: str, /, **values) -> str:
    if current_language() == "en":
        text = MESSAGES.get(text, text)
    return text.format(**values) if values else text


def translate_plural(one: str, many: str, count: int, /, **values) -> str:
    # French puts 0 in the singular ("0 document"), English in the plural.
    singular = count <= 1 if current_language() == "fr" else count == 1
    return translate(one if singular else many, count=count, **values)


def reason(text: object | None) -> str:
    """A reason given by the services or the pipeline (written in English where it is
    produced, with its French in ged.reasons) in the reader's language."""
    if text is None:
        return ""
    return in_french(str(text)) if current_language() == "fr" else str(text)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path of this site: a crafted link must not send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.get("/langue/<code>")
@public
def switch(code: str):
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=365 * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_blueprint(parent: Blueprint) -> None:
    @parent.context_processor
    def language():
        return {
            "_": translate,
            "_n": translate_plural,
            "reason": reason,
            "lang": current_language(),
            "languages": LANGUAGES,
        }
