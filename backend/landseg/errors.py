"""LandSeg's error hierarchy.

Every error a user can meet derives from :class:`LandSegError`; each subclass also inherits
the builtin it resembles, so callers catching ``OSError`` or ``ValueError`` still catch it.
Messages say what is wrong and what to do about it.
"""


class LandSegError(Exception):
    """Root of every error LandSeg raises on purpose."""


class InvalidParameterError(LandSegError, ValueError):
    """An option has a value LandSeg cannot use."""


class OutputExistsError(LandSegError, FileExistsError):
    """The output already exists and overwriting was not asked for."""


class OutputInUseError(LandSegError, BlockingIOError):
    """Another LandSeg run is writing the same output now."""


class OutputNotWritableError(LandSegError, PermissionError):
    """The output location does not exist or cannot be written."""


class RasterReadError(LandSegError, OSError):
    """The input raster is missing, unreadable or unsuitable."""


class VectorReadError(LandSegError, OSError):
    """A vector layer (labels, area of interest) is missing, unreadable or unsuitable."""


class ModelLoadError(LandSegError, OSError):
    """A model file is missing, corrupt or not a segmentation model."""


class MissingExtraError(LandSegError):
    """A command needs an optional part of LandSeg that is not installed (e.g. training)."""


class DeviceUnavailableError(LandSegError, RuntimeError):
    """The requested compute device is not present on this machine."""


class ClusterError(LandSegError, RuntimeError):
    """The Dask cluster could not be reached or lost a chunk for good."""


class Cancelled(LandSegError):
    """The user cancelled the run; nothing was written."""


class LandSegWarning(UserWarning):
    """Something the user should know about; the run went on."""


class RunRecordNotFoundError(LandSegError, FileNotFoundError):
    """A folder holds no training-run record (``record.json``)."""


class RunRecordError(LandSegError, ValueError):
    """A training-run record exists but cannot be read or understood."""


class FontNotFoundError(LandSegError, OSError):
    """No font able to draw Japanese text is installed."""
