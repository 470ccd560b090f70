"""Which document type a text is: weighted rules, a model trained on agents' choices, or neither.

Both sources give a confidence in [0, 1]. ``classify`` trusts the model when it is confident
enough, falls back on the rules, and abstains (``document_type`` None: "to review") when
neither reaches the configured threshold; a guess nobody would sign is worse than a
question to an agent.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ingest.classify_rules import ClassificationRule

# scikit-learn (with scipy and joblib) takes seconds to import, and every `ged` process
# imports this module through the pipeline's services: only the functions that train,
# save or load a model import it, so a command, a server or a worker without a model
# never pays for it.
if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)

#: Only the start of a text is read. The type shows in the heading and first pages; a
#: 50-page file's annexes (price schedules, appended reports) add time and noise, not
#: evidence. 20,000 characters is six to eight pages of typed text.
MAX_CHARS = 20_000

#: Rule score at which the evidence factor reaches 63%: about two typical formulas. Below
#: that, a lone keyword ("facture" in a short note) leaves the rules unsure.
RULE_EVIDENCE_SCALE = 5.0

#: Occurrences of one keyword or pattern beyond this count for nothing more.
MAX_COUNTED = 5

#: Distinct known terms at which the model's confidence reaches 63% of its probability.
#: A text of a few known words gets extreme probabilities from a linear model; this keeps
#: scraps and nonsense from passing for documents.
MODEL_EVIDENCE_SCALE = 12.0

#: Fewer confirmed documents of a type than this and the model cannot learn the type.
MIN_SAMPLES_PER_TYPE = 3

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_WHITESPACE = re.compile(r"\s+")
# The accents NFKD splits off Latin letters; a regex removes them far faster than a loop.
_COMBINING_MARKS = re.compile("[\u0300-\u036f]")
# A word cut at a line end ("délibé-\nration"), as OCR and PDF extraction leave them.
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[^\W\d_])")


@dataclass(frozen=True)
class Classification:
    """A type decision. ``document_type`` None means abstain: the document is "to review".

    ``scores`` holds the evidence per type even when abstaining, so the best guess can be
    offered to the agent: weighted matches for the rules, probabilities for the model.
    """

    document_type: str | None
    confidence: float
    source: Literal["rules", "model"]
    scores: dict[str, float]

    @property
    def best_guess(self) -> str | None:
        return max(self.scores, key=self.scores.__getitem__) if self.scores else None


@dataclass(frozen=True)
class Model:
    """A trained statistical classifier and the types it knows."""

    vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    sample_count: int

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.classifier.classes_)


def normalise(text: str) -> str:
    """Lowercase, accent-folded text with single spaces: what keywords and patterns see."""
    text = _LINE_END_HYPHEN.sub("", text.lower()).translate(_APOSTROPHES).translate(_LIGATURES)
    folded = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _WHITESPACE.sub(" ", folded).strip()


def _prepare(text: str) -> str:
    return normalise(text[:MAX_CHARS])


# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRule:
    type: str
    #: normalised phrase -> weight
    keywords: tuple[tuple[str, float], ...]
    patterns: tuple[tuple[re.Pattern[str], float], ...]


def classify_by_rules(text: str, rules: Sequence[ClassificationRule]) -> Classification:
    """Score each type by its weighted keywords and patterns found in ``text``.

    ``document_type`` is the best-scoring type, None only when nothing matched at all;
    ``classify`` is what holds the confidence against the threshold.
    """
    prepared = _prepare(text)
    scores: dict[str, float] = {}
    for rule in _compile(_rules_key(rules)):
        counts = [(weight, _count_phrase(prepared, phrase)) for phrase, weight in rule.keywords]
        counts += [(weight, len(regex.findall(prepared))) for regex, weight in rule.patterns]
        score = sum(weight * _diminish(count) for weight, count in counts)
        if score > 0:
            scores[rule.type] = scores.get(rule.type, 0.0) + score
    if not scores:
        return Classification(None, 0.0, "rules", {})
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.__getitem__)
    return Classification(best, _rule_confidence(ranked), "rules", scores)


def _diminish(count: int) -> float:
    """What ``count`` occurrences are worth: the tenth "facture" in a table says little more
    than the second, and a word repeated a thousand times must not make a document."""
    return math.log1p(min(count, MAX_COUNTED))


def _count_phrase(text: str, phrase: str) -> int:
    """Occurrences of ``phrase`` as whole words: "vote" is not in "votre", nor "plu" in "plus".

    A ``str.find`` loop, because a regular expression with word boundaries is some thirty
    times slower and the rules run a few hundred of them on every document.
    """
    count, start = 0, 0
    while (found := text.find(phrase, start)) != -1:
        end = found + len(phrase)
        alone_before = found == 0 or not text[found - 1].isalnum()
        alone_after = end == len(text) or not text[end].isalnum()
        count += alone_before and alone_after
        start = found + 1
    return count


def _rule_confidence(ranked: list[float]) -> float:
    """How sure the rules are: the best type's lead over its rival, times the evidence.

    The lead is measured against the runner-up rather than the sum of all types, because
    administrative texts cite many types in passing (a deliberation mentions a contract
    and a convention); only the closest rival makes the decision doubtful.
    """
    best = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    # 1.0 when unopposed, 0.0 on a tie; the square root keeps a clear lead (twice the
    # rival's score: 0.71) from being punished as hard as a near tie.
    lead = math.sqrt((best - runner_up) / best)
    evidence = 1 - math.exp(-best / RULE_EVIDENCE_SCALE)
    return round(lead * evidence, 4)


def _rules_key(rules: Sequence[ClassificationRule]) -> tuple:
    """A hashable copy of the rules (they hold dicts), so their compiled form can be cached."""
    return tuple(
        (rule.type, tuple(rule.keywords.items()), tuple(rule.patterns.items())) for rule in rules
    )


@lru_cache(maxsize=16)
def _compile(key: tuple) -> tuple[_CompiledRule, ...]:
    compiled = []
    for document_type, keywords, patterns in key:
        # Keywords are folded like the text, so "arrêté" in a configuration file matches too.
        phrases = tuple((phrase, w) for k, w in keywords if (phrase := normalise(k)))
        regexes = []
        for pattern, weight in patterns:
            try:
                regexes.append((re.compile(pattern, re.IGNORECASE), weight))
            except re.error as exc:
                raise ValueError(
                    f"classification rule for {document_type!r}: invalid pattern {pattern!r}: {exc}"
                ) from None
        compiled.append(_CompiledRule(document_type, phrases, tuple(regexes)))
    return tuple(compiled)


# --- statistical model ---------------------------------------------------------------------


def train_model(samples: Iterable[tuple[str, str]]) -> Model:
    """Fit a model on ``(text, type)`` pairs: documents whose type an agent confirmed or set."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = [], []
    for text, document_type in samples:
        texts.append(text)
        labels.append(document_type)
    _check_samples(Counter(labels))
    vectorizer = TfidfVectorizer(
        preprocessor=_prepare,
        # Words only: numbers, dates and amounts identify a document, not its type.
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
    )
    features = vectorizer.fit_transform(texts)
    # Logistic regression gives probabilities directly; C above the default lets it be
    # confident on a few hundred documents, "balanced" stops a frequent type from
    # swallowing rare ones.
    classifier = LogisticRegression(C=20.0, class_weight="balanced", max_iter=2000)
    classifier.fit(features, labels)
    return Model(vectorizer, classifier, len(labels))


def _check_samples(counts: Counter[str]) -> None:
    if len(counts) < 2:
        raise ValueError(
            f"training needs confirmed documents of at least 2 types, got {len(counts)}"
            + (f" ({', '.join(counts)})" if counts else "")
        )
    short = {kind: n for kind, n in counts.items() if n < MIN_SAMPLES_PER_TYPE}
    if short:
        listed = ", ".join(f"{kind} ({n})" for kind, n in sorted(short.items()))
        raise ValueError(
            f"training needs at least {MIN_SAMPLES_PER_TYPE} confirmed documents of each type; "
            f"too few for: {listed}"
        )


def classify_by_model(text: str, model: Model) -> Classification:
    """The model's most probable type, its confidence discounted for scant text."""
    features = model.vectorizer.transform([text])
    probabilities = model.classifier.predict_proba(features)[0]
    scores = {kind: float(p) for kind, p in zip(model.types, probabilities, strict=True)}
    best = max(scores, key=scores.__getitem__)
    evidence = 1 - math.exp(-features.nnz / MODEL_EVIDENCE_SCALE)
    confidence = round(scores[best] * evidence, 4)
    return Classification(best if confidence > 0 else None, confidence, "model", scores)


def save_model(model: Model, path: Path) -> None:
    """Write the model so that a reader sees the old file or the new one, never half of one."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            joblib.dump(model, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_model(path: Path) -> Model | None:
    """The model saved at ``path``; None when there is none yet or it is stale.

    The file is a pickle: ``path`` comes from the administrator's configuration and is
    written only by ``save_model``. A model pickled by another scikit-learn version may
    predict wrongly, so it is ignored (rules only) until ``ged classifier train`` runs again.
    """
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        return None
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    try:
        with stream, warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            model = joblib.load(stream)
    except InconsistentVersionWarning as exc:
        log.warning("ignoring classifier model %s, retrain it: %s", path, exc)
        return None
    if not isinstance(model, Model):
        raise ValueError(f"{path} does not hold a classifier model")
    return model


# --- combination ---------------------------------------------------------------------------


def classify(
    text: str,
    *,
    rules: Sequence[ClassificationRule],
    threshold: float,
    model: Model | None = None,
) -> Classification:
    """The document type of ``text``, or None (to review) when nothing is sure enough.

    A confident model wins: it learnt from this administration's own documents, except
    when the rules are sure of a type the model was never trained on, which the model
    cannot name and would map onto its nearest known type. Otherwise the rules decide if
    they reach ``threshold``; else the more confident of the two is returned as an
    abstention, its scores kept for the agent who reviews the document.
    """
    by_rules = classify_by_rules(text, rules)
    rules_sure = by_rules.document_type is not None and by_rules.confidence >= threshold
    by_model = classify_by_model(text, model) if model is not None else None
    if by_model is not None:
        model_sure = by_model.document_type is not None and by_model.confidence >= threshold
        # The model's scores name every type it was trained on.
        model_blind = rules_sure and by_rules.document_type not in by_model.scores
        if model_sure and not model_blind:
            return by_model
    if rules_sure:
        return by_rules
    best = by_rules
    if by_model is not None and by_model.confidence > by_rules.confidence:
        best = by_model
    return replace(best, document_type=None)
