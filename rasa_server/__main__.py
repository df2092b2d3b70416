"""`python -m rasa_server run ...`: the `rasa` command, with the fixes in rasa_server/fixes.py."""
import sys

import rasa_server.fixes  # noqa: F401  (patches Rasa before it starts)


def main() -> None:
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
