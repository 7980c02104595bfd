#!/usr/bin/env python
"""Django's command-line utility for sqms (the `sqms` script wraps it)."""

from sqms.cli import main

if __name__ == "__main__":
    main()
