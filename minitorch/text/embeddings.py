"""Pre-trained word vectors in GloVe's text format: ``word v1 v2 ... vd`` per line.

Only the vectors of the words asked for are parsed (a full GloVe file holds
hundreds of thousands); every line is still checked for the right field count.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .data import DataError

Vectors = dict[str, npt.NDArray[np.float64]]


def load_glove(path: str | Path, words: Collection[str]) -> tuple[Vectors, int]:
    """``(vectors of the ``words`` found, dimension)`` from a GloVe text file.

    The dimension is taken from the first line; every later line must match it.

    Raises:
        DataError: a missing or empty file, or a malformed line (file and line named).
    """
    file = Path(path)
    wanted = set(words)
    found: Vectors = {}
    dim = 0
    try:
        with file.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                fields = line.rstrip("\n").rstrip(" ").split(" ")
                if number == 1:
                    dim = len(fields) - 1
                    if dim < 1:
                        raise DataError(
                            f"{file}:1: expected a word and its numbers, got "
                            f"{line[:60]!r}"
                        )
                if len(fields) != dim + 1:
                    raise DataError(
                        f"{file}:{number}: expected a word and {dim} numbers, got "
                        f"{len(fields)} fields"
                    )
                if fields[0] in wanted:
                    found[fields[0]] = _numbers(fields[1:], file, number)
    except FileNotFoundError:
        raise DataError(f"embeddings file {str(file)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read embeddings file {str(file)!r}: {e}") from None
    if dim == 0:
        raise DataError(f"embeddings file {str(file)!r} is empty")
    return found, dim


def _numbers(cells: list[str], file: Path, number: int) -> npt.NDArray[np.float64]:
    try:
        values = np.array([float(c) for c in cells], dtype=np.float64)
    except ValueError:
        raise DataError(
            f"{file}:{number}: expected {len(cells)} numbers after the word, got "
            f"{' '.join(cells)[:60]!r}"
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise DataError(f"{file}:{number}: the vector holds NaN or infinity")
    return values
