"""``python -m carenet``: the same command line as ``carenet``."""

from carenet.cli import main

if __name__ == "__main__":
    main()
