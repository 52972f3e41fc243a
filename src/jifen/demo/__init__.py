"""Synthetic, deterministic demo data: a Ningxia-like roster and a month of app traffic.

Pure: no database, no HTTP. ``region.build_region`` makes roster rows; ``usage.generate_month`` makes the
operation items apps would POST for one month, as plain dicts, from a seeded ``random.Random``.
"""
