"""What every example shares: the repository on sys.path, and --impl."""

import argparse
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

IMPLEMENTATIONS = {"stdlib": "concurrent.futures", "reference": "reference"}


def load_futures(description):
    """concurrent.futures, or this project's re-implementation (--impl)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--impl", choices=sorted(IMPLEMENTATIONS), default="reference")
    name = IMPLEMENTATIONS[parser.parse_args().impl]
    print("implementation:", name)
    return importlib.import_module(name)
