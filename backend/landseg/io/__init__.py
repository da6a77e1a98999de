"""Reading rasters and vector inputs, and writing outputs atomically."""
