"""scikit-learn's 8×8 digits (``data``) and a small CNN for them (``model``).

Training, run directories and pictures come from the harness: ``minitorch train
digits`` (``minitorch.train.digits``). Nothing is imported here, so reading the
data's constants does not load the network's compiled kernels.
"""
