"""Boundary geometry, sectors, ports of entry, local metric frames and the data directory."""

from ._boundary import (
    BOUNDARY_FILE,
    FORTY_NINTH_EAST_LON,
    FORTY_NINTH_WEST_LON,
    Boundary,
    builtin_boundary,
    load_boundary,
)
from ._datadir import DATA_DIR_ENV, data_dir, data_path
from ._ports import PORTS_FILE, PortOfEntry, load_ports
from ._sector import LocalFrame, Sector

__all__ = [
    "BOUNDARY_FILE",
    "DATA_DIR_ENV",
    "FORTY_NINTH_EAST_LON",
    "FORTY_NINTH_WEST_LON",
    "PORTS_FILE",
    "Boundary",
    "LocalFrame",
    "PortOfEntry",
    "Sector",
    "builtin_boundary",
    "data_dir",
    "data_path",
    "load_boundary",
    "load_ports",
]
