"""The nerve-centre view's reads: case lists and exports (``cases``), area roll-ups
(``areas``) and the indicators (``indicators``). asyncpg, plain dicts out; the caller passes
its pool or connection."""
