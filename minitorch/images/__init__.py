"""scikit-learn's 8×8 handwritten digits and a small CNN for them (apps layer).

Training, run directories and pictures come from the harness: ``minitorch train
digits`` (``minitorch.train.digits``).
"""

from .data import DigitsSplit, load_split
from .model import DigitsCNN, nll_loss

__all__ = ["DigitsSplit", "load_split", "DigitsCNN", "nll_loss"]
