#ifndef NOMALY_CPOSTGRES_SHIM_H
#define NOMALY_CPOSTGRES_SHIM_H

// libpq lives in /usr/include/postgresql on Debian; pkg-config (libpq.pc) adds that
// include path, and this fallback covers a libpq-dev without a .pc file.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
#include <poll.h>

// PG_DIAG_* are character-literal macros, which Swift does not import.
static const int CPostgres_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CPostgres_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CPostgres_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CPostgres_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int CPostgres_DIAG_STATEMENT_POSITION = PG_DIAG_STATEMENT_POSITION;

// The type OIDs we decode specially. Swift cannot import the server's pg_type.h,
// and these values are fixed by the Postgres catalog.
static const unsigned int CPostgres_BYTEAOID = 17;
static const unsigned int CPostgres_JSONOID = 114;
static const unsigned int CPostgres_JSONBOID = 3802;

#endif
