"""Provenance of generated media: every output says it is synthetic and what made it.

    signing      who signs: the studio's certificate and key, else this installation's own key
    credentials  C2PA content credentials: the signed manifest, written and read
    watermark    the invisible watermark in every frame, embedded and detected

This package sits at the bottom with media (which calls it from its writers); `talking_heads.verify`
reads both back for `talking-heads verify`.
"""
