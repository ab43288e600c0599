"""The training harness (apps layer): one driver for every model family.

``fit(TrainConfig(...))`` trains a 2-D classifier; ``fit_digits`` the digits CNN;
``save_run``/``load_run`` write and read run directories. ``minitorch train``
(``command.py``) drives every app registered in ``families.py``.
"""

from .app import App
from .base import EpochResult, ModelFamily
from .config import ConfigError, RunConfig, TrainConfig, make_optimizer
from .families import FAMILIES, get_family
from .fit import EpochLog, FitResult, fit, load_data, snapshot_epochs
from .loop import Training, run_epochs
from .runs import load_config, load_run, load_snapshots, metrics_dict, save_run
from .scalar_model import predict, train_epoch

__all__ = [
    "App",
    "TrainConfig",
    "RunConfig",
    "ConfigError",
    "make_optimizer",
    "EpochResult",
    "ModelFamily",
    "FAMILIES",
    "get_family",
    "EpochLog",
    "FitResult",
    "Training",
    "run_epochs",
    "fit",
    "load_data",
    "snapshot_epochs",
    "train_epoch",
    "predict",
    "save_run",
    "load_run",
    "load_snapshots",
    "load_config",
    "metrics_dict",
]
