"""The bilingual performance report, run comparison, plots and model analysis."""
