"""Border rules: crossings of the boundary and approach warnings, raising alerts."""

from ._config import BorderConfig
from ._monitor import BorderEvents, BorderMonitor

__all__ = ["BorderConfig", "BorderEvents", "BorderMonitor"]
