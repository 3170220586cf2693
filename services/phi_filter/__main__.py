"""python -m phi_filter"""

from servicekit.app import main

from phi_filter.app import SERVICE

if __name__ == "__main__":
    main(SERVICE)
