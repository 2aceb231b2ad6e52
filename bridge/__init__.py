"""reolink-server: a local bridge between Reolink cameras and home automation."""

__version__ = "0.1.0"
