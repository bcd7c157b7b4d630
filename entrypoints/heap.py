"""What a process builds before its first unit of work (modules, the app, the OpenAPI spec,
compiled statements) lives as long as the process does, and the cyclic garbage collector
would traverse all of it on every full collection. Measured in instructions (callgrind, 1,000
requests in one process): a price change cost 3.22 million, a product read 1.56 million; with
the start-up heap frozen, 3.00 and 1.34 million.
"""

import gc


def freeze_startup_heap() -> None:
    """Collects what start-up left for the collector, then moves every object alive into its
    permanent generation: never traversed again, and never freed (they would not be anyway)."""
    gc.collect()
    gc.freeze()
