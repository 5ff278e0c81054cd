"""Renderers behind one interface: neural (the paper) and warp (classical, no weights)."""
