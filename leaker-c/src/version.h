#ifndef LEAKER_VERSION_H
#define LEAKER_VERSION_H

/* The Makefile passes -DLEAKER_VERSION; this is the fallback. */
#ifndef LEAKER_VERSION
#define LEAKER_VERSION "0.1.0"
#endif

#endif
