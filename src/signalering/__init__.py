"""signalering: validation of screening and signalling instruments used in Dutch youth health care."""

__version__ = "0.1.0"
