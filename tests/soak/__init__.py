"""The fault soak (`make soak`; a short version runs in `make test`): see `tests/soak/soak.py`."""
