"""``python -m rasa_runtime <rasa arguments>``: Rasa's command line after ``apply()``."""

from __future__ import annotations

import sys

from rasa_runtime import apply


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
