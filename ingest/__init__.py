"""The ingestion pipeline as plain functions: detect, extract, OCR, classify, metadata; the watched-folder scanner."""
