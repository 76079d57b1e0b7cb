"""Errors raised by :mod:`jpegzoo.datasets`; every message names the folder, file or dataset."""


class DatasetError(ValueError):
    """A dataset that cannot be used as asked (missing folder, no images, bad split...)."""


class UnknownDatasetError(DatasetError):
    """A name that is neither an existing folder nor a TFDS catalog name."""


class DatasetUnavailableError(DatasetError, ConnectionError):
    """A catalog dataset that is not prepared locally and cannot be downloaded now."""
