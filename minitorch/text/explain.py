"""Why the CNN scored a sentence as it did: each filter's chosen n-gram and its share.

After max over time every filter keeps one number, its best match in the
sentence; the output layer multiplies it by the filter's weight. So the logit is
exactly ``bias + Σ_filters weight · relu(best match)``, and each term belongs to
the n-gram where that filter's maximum sat. ``explain`` reads those terms off the
model's own feature maps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..autodiff import no_grad
from ..train.device import backend_of
from .data import Vocabulary, tokenize
from .model import SentimentCNN
from .train import as_tensor


class EmptySentenceError(ValueError):
    """A sentence without a single word to look up."""


@dataclass(frozen=True)
class Firing:
    """One filter's best match: where it sat and what it added to the logit."""

    width: int
    filter: int
    start: int
    words: tuple[str, ...]
    activation: float
    contribution: float

    @property
    def phrase(self) -> str:
        """The n-gram as text (shorter than ``width`` at the sentence's end)."""
        return " ".join(self.words)


@dataclass(frozen=True)
class Explanation:
    """A sentence's probability and the filter terms that make up its logit."""

    text: str
    words: tuple[str, ...]
    unknown: tuple[str, ...]
    probability: float
    bias: float
    firings: tuple[Firing, ...]

    @property
    def logit(self) -> float:
        """``bias`` plus every filter's contribution (sigmoid gives ``probability``)."""
        return self.bias + sum(f.contribution for f in self.firings)

    def phrases(self) -> list[tuple[str, float]]:
        """Each n-gram some filter picked, its contributions summed, largest first."""
        totals: dict[tuple[int, int], float] = defaultdict(float)
        texts: dict[tuple[int, int], str] = {}
        for f in self.firings:
            key = (f.start, len(f.words))
            totals[key] += f.contribution
            texts[key] = f.phrase
        ranked = sorted(totals, key=lambda k: -abs(totals[k]))
        return [(texts[k], totals[k]) for k in ranked]


def explain(model: SentimentCNN, vocabulary: Vocabulary, text: str) -> Explanation:
    """Run ``text`` through the model (eval mode) and attribute its logit.

    Raises:
        EmptySentenceError: if ``text`` has no words.
    """
    words = tokenize(text)
    if not words:
        raise EmptySentenceError(f"expected a sentence with words, got {text!r}")
    known = set(vocabulary.words)
    indices, _ = vocabulary.encode([text])
    model.eval()
    with no_grad():
        inputs = as_tensor(indices, backend_of(model))
        maps = [m.to_numpy()[0] for m in model.feature_maps(inputs)]
        probability = float(model(inputs).to_numpy()[0])
    firings = []
    for width, scores, head in zip(model.widths, maps, model.heads, strict=True):
        weights = head.value.to_numpy()[:, 0]
        for f in range(scores.shape[0]):
            start = int(np.argmax(scores[f]))
            activation = max(float(scores[f, start]), 0.0)
            firings.append(
                Firing(
                    width,
                    f,
                    start,
                    tuple(words[start : start + width]),
                    activation,
                    activation * float(weights[f]),
                )
            )
    return Explanation(
        text,
        tuple(words),
        tuple(w for w in words if w not in known),
        probability,
        float(model.bias.value.to_numpy()[0]),
        tuple(firings),
    )
