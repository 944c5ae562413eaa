"""Old name of `metrics.load`, kept so code written against it still imports."""

from metrics.load import *  # noqa: F403
from metrics.load import __all__  # noqa: F401
