"""Fine-tuning: dataset export from labelled polygons, training, and the run record."""
