"""python -m gateway"""

from gateway.app import SERVICE
from servicekit.app import main

if __name__ == "__main__":
    main(SERVICE)
