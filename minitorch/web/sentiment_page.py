"""The Sentiment page: a sentence's P(positive) and the n-grams that drove it.

The model is a ``minitorch train sentiment`` run loaded when the server starts
(``serve --sentiment-run DIR``); each answer comes from ``text.explain.explain``,
the same attribution ``minitorch predict sentiment`` prints. The n-grams are
coloured like the run's ``firings`` picture (RdBu, centred on 0).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm, to_hex

from ..text.data import Vocabulary
from ..text.explain import EmptySentenceError, explain
from ..text.model import SentimentCNN
from ..text.runs import load_sentiment_model
from .guard import HTTPError

MAX_CHARS = 300
MAX_PHRASES = 8
NO_MODEL = (
    "No sentiment model loaded: train one with 'minitorch train sentiment --out "
    "runs/sentiment', then start 'minitorch serve --sentiment-run runs/sentiment'."
)


def sentence_of(body: object) -> str:
    """The sentence of ``{"sentence": text}``, at most ``MAX_CHARS`` characters."""
    text = body.get("sentence") if isinstance(body, Mapping) else None
    if not isinstance(text, str):
        raise HTTPError(
            HTTPStatus.BAD_REQUEST, 'expected {"sentence": text}, got another body'
        )
    if len(text) > MAX_CHARS:
        raise HTTPError(
            HTTPStatus.BAD_REQUEST,
            f"sentences are limited to {MAX_CHARS} characters, got {len(text)}",
        )
    return text


def share_colours(shares: list[float]) -> list[str]:
    """Hex colours of the shares on the ``firings`` picture's RdBu scale."""
    strongest = max((abs(s) for s in shares), default=1.0)
    norm = TwoSlopeNorm(0.0, -max(strongest, 1e-9), max(strongest, 1e-9))
    cmap = colormaps["RdBu"]
    return [to_hex(cmap(norm(s))) for s in shares]


class SentimentLab:
    """The loaded sentiment CNN (if any) and where it came from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: SentimentCNN | None = None
        self._vocabulary: Vocabulary | None = None
        self._source = ""

    def status(self) -> dict[str, Any]:
        """The body of ``/api/sentiment/status``."""
        with self._lock:
            ready = self._model is not None
            return {
                "ready": ready,
                "source": self._source,
                "hint": "" if ready else NO_MODEL,
                "max_chars": MAX_CHARS,
            }

    def load_run(self, run_dir: str | Path) -> None:
        """Use the CNN of a ``minitorch train sentiment`` run directory.

        Raises:
            FileNotFoundError, CheckpointError: as ``load_sentiment_model``.
        """
        model, vocabulary, config = load_sentiment_model(run_dir)
        assert isinstance(model, SentimentCNN)
        with self._lock:
            self._model = model
            self._vocabulary = vocabulary
            self._source = f"run {run_dir} ({config.source} data)"

    def predict(self, text: str) -> dict[str, Any]:
        """P(positive) of ``text`` and its strongest n-grams with their colours."""
        with self._lock:
            model, vocabulary = self._model, self._vocabulary
        if model is None or vocabulary is None:
            raise HTTPError(HTTPStatus.CONFLICT, NO_MODEL)
        try:
            explanation = explain(model, vocabulary, text)
        except EmptySentenceError as e:
            raise HTTPError(HTTPStatus.BAD_REQUEST, str(e)[:200]) from None
        phrases = explanation.phrases()[:MAX_PHRASES]
        colours = share_colours([share for _, share in phrases])
        return {
            "probability": explanation.probability,
            "words": list(explanation.words),
            "unknown": list(explanation.unknown),
            "phrases": [
                {"text": phrase, "share": share, "colour": colour}
                for (phrase, share), colour in zip(phrases, colours, strict=True)
            ],
        }
