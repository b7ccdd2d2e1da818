/*
 * vg.h - the first include of every vigil translation unit.
 *
 * It fixes the feature-test macros, pulls in the C library headers nearly
 * every file needs, and ends by including util/banned.h, which turns calls of
 * unsafe libc functions into compile errors (after the system headers, so
 * their own declarations are untouched).  Include it before anything else:
 *
 *     #include "vg.h"
 *     #include "util/util.h"
 */
#ifndef VG_H
#define VG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VG_UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define VG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VG_NORETURN __attribute__((noreturn))
#else
#define VG_PRINTF(f, a)
#define VG_NORETURN
#endif

#include "util/banned.h"

#endif
