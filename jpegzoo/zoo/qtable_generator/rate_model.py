"""The shipped rate model of the learned quantization tables: the fitted weights of
:class:`jpegzoo.layers.LogMagnitudeRate` (``data/rate_estimator.json``, made by
:mod:`.rate_fit`) and the layer built from them."""

import json
from importlib.resources import files

#: The fitted weights, in this package's ``data/`` folder.
ESTIMATOR_FILE = "rate_estimator.json"


def load_weights():
    """The shipped fitted weights: ``{"magnitude": [2, 64], "nonzero": [2, 64],
    "any_ac": [2], "bias": [2]}`` (bits; see :func:`.rate_fit.fit_log_magnitude_rate`)."""
    text = (files("jpegzoo.zoo.qtable_generator") / "data" / ESTIMATOR_FILE).read_text()
    return json.loads(text)["weights"]


def shipped_estimator():
    """A :class:`~jpegzoo.layers.LogMagnitudeRate` with the shipped weights."""
    from jpegzoo.layers.rate_estimators import LogMagnitudeRate

    return LogMagnitudeRate(**load_weights())
