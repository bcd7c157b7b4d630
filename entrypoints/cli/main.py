"""Runs one subcommand: loads the settings, and turns failures into a message and an exit code.

Exit codes: 0 done, 1 the work failed or found problems, 2 bad usage or settings, 130 interrupted.
"""

import sys
from collections.abc import Sequence

import yaml

from application.errors import StoreUnavailable
from application.importing import SourceError
from entrypoints.cli.parser import build_parser
from entrypoints.rebuild_helpers import RebuildHelperFailed
from entrypoints.settings import SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """The console script's entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except (SettingsError, OSError, yaml.YAMLError) as error:
        return _fail(f"configuration error: {error}", 2)
    try:
        code: int = args.run(args, settings)
    except SourceError as error:
        return _fail(str(error), 1)
    except StoreUnavailable as error:
        return _fail(f"{error} (has `product-service init` been run?)", 1)
    except RebuildHelperFailed as error:
        return _fail(f"the rebuild failed, the live read models are as they were: {error}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return code


def _fail(message: str, code: int) -> int:
    print(f"product-service: {message}", file=sys.stderr)
    return code
