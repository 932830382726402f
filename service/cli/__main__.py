"""`python -m service.cli`: the same command as the `tsudoi` console script."""

from service.cli import main

main()
