"""What runs a model: its files and metadata, the device, ONNX Runtime, fp16 torch or
ultralytics' own predictor behind :class:`~landseg.inference.segmenter.Segmenter`, YOLO-seg
decoding, and the ONNX export the CPU runtime uses."""
