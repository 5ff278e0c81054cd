"""Provenance: content credentials, watermark."""
