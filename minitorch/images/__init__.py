"""An image classifier on scikit-learn's 8×8 handwritten digits (apps layer).

``fit_digits(DigitsConfig(...))`` trains the ``DigitsCNN``; ``save_digits_run``
writes a run directory and ``load_digits_model`` rebuilds the trained model.
"""

from .config import DigitsConfig, DigitsConfigError
from .data import DigitsSplit, load_split
from .model import DigitsCNN
from .runs import load_digits_model, metrics_dict, save_digits_run
from .train import DigitsEpoch, DigitsResult, evaluate, fit_digits, nll_loss

__all__ = [
    "DigitsConfig",
    "DigitsConfigError",
    "DigitsSplit",
    "load_split",
    "DigitsCNN",
    "DigitsEpoch",
    "DigitsResult",
    "fit_digits",
    "evaluate",
    "nll_loss",
    "save_digits_run",
    "load_digits_model",
    "metrics_dict",
]
