"""A seeded generator of labelled movie-review sentences (``generated`` data).

The label is fixed first, then a sentence of one kind is written to carry it:

* ``plain``: "the plot was dull" (the adjective's polarity),
* ``intensified``: "a truly gripping thriller",
* ``negation``: "the acting was not good" (the opposite of the word's polarity),
* ``contrast``: "good acting but a dull plot" (the clause after but/yet decides).

Optional openings and closings ("honestly", "in the end") vary the length
without changing the label. Every sentence appears in one split only.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from .data import HARD_SLICE, Corpus, Examples
from .words import (
    CLOSINGS,
    CONTRASTS,
    INTENSIFIERS,
    NEGATIVE_ADJECTIVES,
    NEGATIVE_VERBS,
    NEGATORS,
    NOUNS,
    OPENINGS,
    POSITIVE_ADJECTIVES,
    POSITIVE_VERBS,
)

KINDS = ("plain", "intensified", "negation", "contrast")
KIND_WEIGHTS = (0.35, 0.2, 0.25, 0.2)
HARD_KINDS = ("negation", "contrast")
SIZES = {"train": 4000, "validation": 500, "test": 1000, HARD_SLICE: 600}
FILLER_CHANCE = 0.4
_VERB_INTENSIFIERS = ("really", "truly", "thoroughly")


def _adjective(rng: random.Random, positive: bool) -> str:
    return rng.choice(POSITIVE_ADJECTIVES if positive else NEGATIVE_ADJECTIVES)


def _verb(rng: random.Random, positive: bool) -> tuple[str, str]:
    return rng.choice(POSITIVE_VERBS if positive else NEGATIVE_VERBS)


def _article(rng: random.Random) -> str:
    return rng.choice(("the", "this", "that"))


def _plain(rng: random.Random, positive: bool) -> str:
    noun, adj = rng.choice(NOUNS), _adjective(rng, positive)
    forms = (
        lambda: f"{_article(rng)} {noun} was {adj}",
        lambda: f"{_article(rng)} {noun} is {adj} and {_adjective(rng, positive)}",
        lambda: f"a {adj} {noun}",
        lambda: f"what a {adj} {noun}",
        lambda: f"i {_verb(rng, positive)[1]} {_article(rng)} {noun}",
        lambda: f"you will {_verb(rng, positive)[0]} {_article(rng)} {noun}",
        lambda: (
            f"it is a {adj} {noun} with {_adjective(rng, positive)} {rng.choice(NOUNS)}"
        ),
    )
    return rng.choice(forms)()


def _intensified(rng: random.Random, positive: bool) -> str:
    noun, adj, very = (
        rng.choice(NOUNS),
        _adjective(rng, positive),
        rng.choice(INTENSIFIERS),
    )
    forms = (
        lambda: f"{_article(rng)} {noun} was {very} {adj}",
        lambda: f"a {very} {adj} {noun}",
        lambda: (
            f"i {rng.choice(_VERB_INTENSIFIERS)} {_verb(rng, positive)[1]} "
            f"{_article(rng)} {noun}"
        ),
        lambda: (
            f"{_article(rng)} {noun} is {very} {adj} and {_adjective(rng, positive)}"
        ),
    )
    return rng.choice(forms)()


def _negation(rng: random.Random, positive: bool) -> str:
    # The negated word carries the opposite of the label.
    noun, adj = rng.choice(NOUNS), _adjective(rng, not positive)
    forms = (
        lambda: f"{_article(rng)} {noun} was {rng.choice(NEGATORS)} {adj}",
        lambda: f"it is not a {adj} {noun}",
        lambda: f"i did not {_verb(rng, not positive)[0]} {_article(rng)} {noun}",
        lambda: f"{_article(rng)} {noun} is not {adj} at all",
        lambda: f"this was never a {adj} {noun}",
    )
    return rng.choice(forms)()


def _contrast(rng: random.Random, positive: bool) -> str:
    # The first clause says the opposite; the clause after but/yet decides.
    first, then = _adjective(rng, not positive), _adjective(rng, positive)
    noun1, noun2 = rng.sample(NOUNS, 2)
    turn = rng.choice(CONTRASTS)
    forms = (
        lambda: f"{first} {noun1} {turn} a {then} {noun2}",
        lambda: f"the {noun1} was {first} {turn} the {noun2} was {then}",
        lambda: f"the {noun1} is {first} {turn} the {noun2} is {then}",
        lambda: (
            f"i {_verb(rng, not positive)[1]} the {noun1} {turn} the {noun2} was {then}"
        ),
    )
    return rng.choice(forms)()


WRITERS: dict[str, Callable[[random.Random, bool], str]] = {
    "plain": _plain,
    "intensified": _intensified,
    "negation": _negation,
    "contrast": _contrast,
}


def sentence(rng: random.Random, kind: str, positive: bool) -> str:
    """One sentence of ``kind`` whose sentiment is ``positive``, maybe with filler."""
    core = WRITERS[kind](rng, positive)
    if rng.random() < FILLER_CHANCE:
        core = f"{rng.choice(OPENINGS)} {core}"
    if rng.random() < FILLER_CHANCE:
        core = f"{core} {rng.choice(CLOSINGS)}"
    return core


def _examples(
    rng: random.Random,
    count: int,
    kinds: tuple[str, ...],
    weights: tuple[float, ...],
    seen: set[str],
) -> Examples:
    """``count`` new sentences (half positive), none of them in ``seen``."""
    texts: list[str] = []
    labels: list[int] = []
    chosen: list[str] = []
    while len(texts) < count:
        positive = len(texts) % 2 == 0
        kind = rng.choices(kinds, weights)[0]
        text = sentence(rng, kind, positive)
        if text in seen:
            continue
        seen.add(text)
        texts.append(text)
        labels.append(int(positive))
        chosen.append(kind)
    order = list(range(count))
    rng.shuffle(order)
    return Examples(
        tuple(texts[i] for i in order),
        np.array([labels[i] for i in order], dtype=np.int64),
        tuple(chosen[i] for i in order),
    )


def generate_corpus(seed: int = 0, sizes: dict[str, int] | None = None) -> Corpus:
    """Train/validation/test splits and the negation/contrast slice, all disjoint.

    The same seed gives the same sentences; each split is balanced (half positive,
    to within one sentence). ``sizes`` overrides ``SIZES`` (same keys).
    """
    n = dict(SIZES if sizes is None else sizes)
    rng = random.Random(f"minitorch.text generated {seed}")
    seen: set[str] = set()
    splits = {
        name: _examples(rng, n[name], KINDS, KIND_WEIGHTS, seen)
        for name in ("train", "validation", "test")
    }
    hard = _examples(rng, n[HARD_SLICE], HARD_KINDS, (1.0, 1.0), seen)
    return Corpus(
        "generated",
        splits["train"],
        splits["validation"],
        splits["test"],
        {HARD_SLICE: hard},
    )
