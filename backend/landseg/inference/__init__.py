"""From raster to polygons: tiling, the model runtime, seam merge, vectorizing, the pipeline."""
