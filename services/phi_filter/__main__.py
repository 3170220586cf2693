"""python -m phi_filter"""

from phi_filter.app import SERVICE
from servicekit.app import main

if __name__ == "__main__":
    main(SERVICE)
