"""LandSeg: land-cover instance segmentation of georeferenced aerial rasters."""

__version__ = "0.1.0"
