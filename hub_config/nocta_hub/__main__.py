"""`python -m nocta_hub demo` (make hub): write the demo accounts, print them, run the hub."""

import sys

from .demo import main

if __name__ == "__main__":
    if sys.argv[1:] != ["demo"]:
        sys.exit("usage: python -m nocta_hub demo")
    main()
