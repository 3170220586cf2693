"""python -m llm_router"""

from llm_router.app import SERVICE
from servicekit.app import main

if __name__ == "__main__":
    main(SERVICE)
