"""python -m gateway"""

from servicekit.app import main

from gateway.app import SERVICE

if __name__ == "__main__":
    main(SERVICE)
