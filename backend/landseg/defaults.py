"""Every default value of LandSeg, once: the CLI, the Python API and the plugin's defaults agree.

Values that must also agree across the plugin/backend process boundary (the layer name, the exit
codes, the class-weight cap) are checked equal to the plugin's own copies by a test.
"""

from __future__ import annotations

# Tiling and inference
TILE_SIZE_PX = 512  # when the model file does not say
OVERLAP_PX = 64  # when the model file does not say
MAX_TILE_SIZE_PX = 4096  # larger tiles need many GB and match no trained model
CONFIDENCE = 0.25  # minimum score of an instance (and the map-level P/R/F1 threshold)
NMS_IOU = 0.5  # non-maximum suppression inside a tile
BATCH_TILES = 8  # tiles per forward pass
DEVICE = "auto"  # CUDA when present, else CPU
RUNTIME = "auto"  # ONNX Runtime on a CPU, fp16 torch on a GPU
CHUNK_TILES = 8  # Dask: a task segments a block of N x N tiles
MIN_AREA_M2 = 1.0  # smaller polygons are dropped
REVIEW_FLOOR = 0.05  # with --review, objects down to this score become possible missed ones
# Runs of more tiles keep a resumable work file when they stop (about 2 min on a CPU, longer
# runs are worth resuming); smaller ones start again.
CHECKPOINT_MIN_TILES = 500

# Outputs
LAYER_NAME = "landcover"  # the layer ``segment`` writes into its GeoPackage
PROGRESS = "bar"  # how ``landseg`` reports progress: bar, json or none

# Exit codes of the ``landseg`` command
EXIT_USAGE = 2  # a bad input or option: one line on stderr says what to change
EXIT_CANCELLED = 130  # Ctrl-C or SIGTERM: nothing half-written is left

# Dataset export
EMPTY_RATIO = 0.1  # tiles without labels kept, as a share of labelled tiles
VAL_FRACTION = 0.2  # share of spatial blocks used for validation
MIN_FRAGMENT = 0.2  # polygon fragments below this share of the polygon are dropped
WEIGHT_CAP = 10.0  # balanced class weight of a class with no (or very few) instances
SEED = 0
RESAMPLE_TOLERANCE = 0.10  # pixel sizes closer than this to the model's are used as they are
CLASS_FIELD = "class"  # label attribute holding the class

# Training
BASE_MODEL = "yolov8n-seg.yaml"
EPOCHS = 50
TRAIN_BATCH = 8
LEARNING_RATE = 1e-3
FINAL_LR_FRACTION = 0.1
CLASS_WEIGHTS = "balanced"
COPY_PASTE = 0.3
COPY_PASTE_MODE = "flip"
AUGMENT = 1.0  # augmentation strength (0 = none)
PATIENCE = 50
LOADER_WORKERS = 2
CONTINUE_LR = 5e-5
CONTINUE_EPOCHS = 0  # epochs of the continued phase (0 = none)
CONTINUE_AUGMENT = 0.5  # share of the augmentation strength kept in the continued phase

# Reports and analysis
LANGUAGES = "en,ja"
ANALYSIS_IMAGES = 8
ANALYSIS_BATCH = 8  # images per pass of the feature-map and gradient analysis
ANALYSIS_LANGUAGE = "en"  # the one language of ``analyze``
SPLIT = "val"  # dataset split evaluated and analysed

# Synthetic scenes (``landseg synth``)
SCENE_SIZE_PX = 2048
SCENE_CRS = "EPSG:32654"
SCENE_PIXEL_SIZE_M = 0.5
SCENE_BITS = 8
SCENE_NODATA_BORDER_PX = 0
