"""python -m scheduler_adapter"""

from scheduler_adapter.app import SERVICE
from servicekit.app import main

if __name__ == "__main__":
    main(SERVICE)
