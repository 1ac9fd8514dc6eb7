#ifndef NOMALY_CARCHIVE_SHIM_H
#define NOMALY_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

// AE_IF* are cast constants ((__LA_MODE_T)0100000) that Swift does not import.
static const unsigned int CArchive_AE_IFREG = 0100000;
static const unsigned int CArchive_AE_IFLNK = 0120000;
static const unsigned int CArchive_AE_IFDIR = 0040000;

// deflateInit2/inflateInit2 are function-like macros.
static inline int CArchive_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
static inline int CArchive_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
