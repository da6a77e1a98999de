"""``python -m landseg``: the command line."""

from landseg.cli import main

if __name__ == "__main__":
    main()
