"""Print the path of the shared library that provides scipy's BLAS (for the C++ tests).

Run by cpp/tests/CMakeLists.txt at configure time: looks dgemm up through the handle of scipy's
cython_blas (dlsym searches the libraries it depends on) and reports the mapped file that holds the
function (scipy's bundled OpenBLAS, or the system BLAS scipy links). Linux only, like the tests.
"""

import ctypes
import sys

import scipy.linalg.cython_blas as cython_blas


def main() -> int:
    handle = ctypes.CDLL(cython_blas.__file__)
    for name in ("scipy_dgemm_", "dgemm_"):
        if hasattr(handle, name):
            address = ctypes.cast(getattr(handle, name), ctypes.c_void_p).value
            break
    else:
        print("scipy's BLAS exports no dgemm_", file=sys.stderr)
        return 1
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if low <= address < high and len(fields) >= 6:
                print(fields[5])
                return 0
    print("the library holding dgemm_ was not found in /proc/self/maps", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
