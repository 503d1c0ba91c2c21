"""solomo: find a good place to work nearby, from OpenStreetMap, and remember where you worked."""

__version__ = "0.1.0"
