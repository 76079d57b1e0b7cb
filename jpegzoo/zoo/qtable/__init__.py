"""Learned quantization tables."""
