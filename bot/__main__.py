"""`python -m bot` is the `csf` command, for environments without the console script."""

from bot.cli import main

main()
