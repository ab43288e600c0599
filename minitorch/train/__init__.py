"""Training loops, run directories and plots for the 2-D toy problems (apps layer).

``fit(TrainConfig(...))`` trains any registered model family; ``save_run`` writes a
run directory and ``load_run`` rebuilds the trained model from one.
"""

from .base import EpochResult, ModelFamily
from .config import ConfigError, TrainConfig, make_optimizer
from .families import FAMILIES, get_family
from .fit import EpochLog, FitResult, fit, load_data, snapshot_epochs
from .plots import plot_boundary, plot_loss
from .runs import load_config, load_run, load_snapshots, metrics_dict, save_run
from .scalar_model import predict, train_epoch

__all__ = [
    "TrainConfig",
    "ConfigError",
    "make_optimizer",
    "EpochResult",
    "ModelFamily",
    "FAMILIES",
    "get_family",
    "EpochLog",
    "FitResult",
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
    "plot_loss",
    "plot_boundary",
]
