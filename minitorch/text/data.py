"""Labelled sentences, their splits, the vocabulary, and SST-2's tab-separated files.

A ``Corpus`` is what training needs whatever the source: train/validation/test
``Examples`` plus named test slices (sentences with negation or contrast).
Sentences become rows of word indices padded with ``PAD`` (-1), which the
embedding lookup turns into zero vectors.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

Labels = npt.NDArray[np.int64]
Indices = npt.NDArray[np.int64]
PAD = -1
UNKNOWN = "<unk>"
HARD_SLICE = "negation_contrast"
NEGATION_WORDS = frozenset({"not", "n't", "never", "no", "nothing", "hardly"})
CONTRAST_WORDS = frozenset({"but", "yet", "however", "although", "though"})
SST2_FILES = ("train.tsv", "dev.tsv")
SST2_VALIDATION_FRACTION = 0.05
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't|'[a-z]+")


class DataError(ValueError):
    """A data file that cannot be read as expected; the message names file and line."""


def tokenize(text: str) -> list[str]:
    """Lower-case words without punctuation; ``"don't"`` and ``"n't"`` stay whole."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Examples:
    """Sentences with labels (1 positive, 0 negative) and a kind per sentence.

    Kinds of generated sentences: ``plain``, ``intensified``, ``negation``,
    ``contrast``; read sentences are ``real``.
    """

    texts: tuple[str, ...]
    labels: Labels
    kinds: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Sequence[int]) -> Examples:
        """The examples at ``indices``, in that order."""
        return Examples(
            tuple(self.texts[i] for i in indices),
            self.labels[list(indices)],
            tuple(self.kinds[i] for i in indices),
        )


@dataclass(frozen=True)
class Corpus:
    """Named splits; ``source`` says where they came from (``generated``, ``sst2``)."""

    source: str
    train: Examples
    validation: Examples
    test: Examples
    slices: dict[str, Examples] = field(default_factory=dict)


@dataclass(frozen=True)
class Vocabulary:
    """Words by index; index 0 is ``<unk>``, which every unseen word maps to."""

    words: tuple[str, ...]

    @classmethod
    def build(cls, texts: Iterable[str]) -> Vocabulary:
        """``<unk>``, then each word of ``texts`` once, in order of first use."""
        seen = dict.fromkeys(w for text in texts for w in tokenize(text))
        seen.pop(UNKNOWN, None)
        return cls((UNKNOWN, *seen))

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        """Word → row of the embedding table."""
        return {w: i for i, w in enumerate(self.words)}

    def encode(self, texts: Sequence[str]) -> tuple[Indices, npt.NDArray[np.int64]]:
        """``(indices (n, longest), lengths (n,))``; rows padded with ``PAD``.

        An empty sentence is encoded as one ``<unk>`` so every row has a word.
        """
        lookup = self.index()
        rows = [[lookup.get(w, 0) for w in tokenize(t)] or [0] for t in texts]
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        out = np.full((len(rows), int(lengths.max(initial=1))), PAD, dtype=np.int64)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return out, lengths


def hard_slice(examples: Examples) -> Examples:
    """The sentences that contain a negation or a contrast word."""
    keep = [
        i
        for i, text in enumerate(examples.texts)
        if set(tokenize(text)) & (NEGATION_WORDS | CONTRAST_WORDS)
    ]
    return examples.subset(keep)


def _read_tsv(path: Path) -> Examples:
    """Rows of an SST-2 file: a header naming ``sentence`` and ``label`` columns."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(
            f"{str(path)!r} is missing (SST-2 needs {SST2_FILES})"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read {str(path)!r}: {e}") from None
    if not lines:
        raise DataError(
            f"{str(path)!r} is empty; expected a 'sentence<TAB>label' header"
        )
    header = lines[0].split("\t")
    if "sentence" not in header or "label" not in header:
        raise DataError(
            f"{path}:1: expected a header with 'sentence' and 'label' columns, "
            f"got {lines[0][:60]!r}"
        )
    text_col, label_col = header.index("sentence"), header.index("label")
    texts: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header) or cells[label_col].strip() not in ("0", "1"):
            raise DataError(
                f"{path}:{number}: expected {len(header)} tab-separated columns with "
                f"label 0 or 1, got {line[:60]!r}"
            )
        texts.append(cells[text_col])
        labels.append(int(cells[label_col]))
    if not texts:
        raise DataError(f"{str(path)!r} has a header but no sentences")
    n = len(texts)
    return Examples(tuple(texts), np.array(labels, dtype=np.int64), ("real",) * n)


def check_inputs(data: str | None, embeddings: str | None) -> None:
    """Fail fast, before any training, when a data folder or vectors file is absent.

    Raises:
        DataError: naming the missing folder or file.
    """
    if data is not None:
        folder = Path(data)
        if not folder.is_dir():
            raise DataError(
                f"--data must be a directory holding {SST2_FILES}, got {str(folder)!r}"
            )
        for name in SST2_FILES:
            if not (folder / name).is_file():
                raise DataError(
                    f"{str(folder / name)!r} is missing (SST-2 needs {SST2_FILES})"
                )
    if embeddings is not None and not Path(embeddings).is_file():
        raise DataError(f"embeddings file {embeddings!r} does not exist")


def load_sst2(directory: str | Path, seed: int = 0) -> Corpus:
    """SST-2 from ``train.tsv`` and ``dev.tsv`` in ``directory``.

    ``dev.tsv`` is the test split (SST-2's own test labels are not public); a
    seeded 5 % of ``train.tsv`` is held out for validation.

    Raises:
        DataError: on a missing file or a malformed line (file and line named).
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise DataError(
            f"--data must be a directory holding {SST2_FILES}, got {str(folder)!r}"
        )
    train_all = _read_tsv(folder / SST2_FILES[0])
    test = _read_tsv(folder / SST2_FILES[1])
    order = list(range(len(train_all)))
    random.Random(f"minitorch.text sst2 {seed}").shuffle(order)
    n_val = max(1, round(len(order) * SST2_VALIDATION_FRACTION))
    if n_val >= len(order):
        raise DataError(f"{folder / SST2_FILES[0]} needs at least 2 sentences")
    return Corpus(
        "sst2",
        train_all.subset(sorted(order[n_val:])),
        train_all.subset(sorted(order[:n_val])),
        test,
        {HARD_SLICE: hard_slice(test)},
    )
