"""The jpegzoo model zoo: models loaded by name with the weights shipped in the package.

    from jpegzoo import zoo
    zoo.list()                         # names of all models
    model = zoo.load("mutation_bitcount")   # built, with its trained weights (offline)
    fresh = zoo.build("mutation_bitcount", width=48)   # untrained, for retraining
    print(zoo.card("mutation_bitcount"))    # paper, departures, data, budget, results
    codec = zoo.load("mutated_jpeg")        # the mutated JPEG encoder (mined sets shipped)
    jpeg_bytes = codec.encode(pixels, quality=80, subsampling="444")
"""

from jpegzoo.zoo import registry

__all__ = ["build", "card", "list", "load"]


def list():  # noqa: A001 - the zoo's public vocabulary is zoo.list()
    """Names of the models in the zoo, sorted."""
    return registry.names()


def build(name, **config):
    """An untrained model ``name`` (a Keras model); ``config`` overrides its defaults."""
    return registry.entry(name).build(**config)


def load(name):
    """Model ``name`` built with its default configuration and its shipped weights (or, for
    entries that ship data instead of weights, such as ``mutated_jpeg``, the trained object).

    Loads from the package only (no network); raises ValueError for unknown names and
    FileNotFoundError if the package lacks the weights file.
    """
    entry = registry.entry(name)
    if entry.loader:
        return entry.load_trained()
    weights = entry.weights_file
    if not weights.is_file():
        raise FileNotFoundError(f"no shipped weights for {name!r} ({weights}); "
                                f"train it with `jpegzoo train {name}`")
    model = entry.build()
    model.load_weights(str(weights))
    return model


def card(name):
    """The model card of ``name`` (markdown text)."""
    return registry.entry(name).card_file.read_text()
