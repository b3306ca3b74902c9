"""`python -m cli` is the `csf` command, for environments without the console script."""

from cli.main import main

main()
