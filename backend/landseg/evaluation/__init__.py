"""Per-class metrics: on dataset tiles (through ultralytics) and on the map (COCO-exact)."""
