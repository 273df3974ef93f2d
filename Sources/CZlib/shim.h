// The system zlib (Debian: zlib1g-dev), used by the console's static file server to gzip its files once.
#include <zlib.h>
