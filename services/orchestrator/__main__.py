"""python -m orchestrator"""

from servicekit.app import main

from orchestrator.app import SERVICE

if __name__ == "__main__":
    main(SERVICE)
