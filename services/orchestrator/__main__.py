"""python -m orchestrator"""

from orchestrator.app import SERVICE
from servicekit.app import main

if __name__ == "__main__":
    main(SERVICE)
