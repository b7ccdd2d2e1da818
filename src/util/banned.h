/*
 * banned.h - functions vigil code must not call.
 *
 * Each is unbounded, not reentrant, or silently wrong on bad input.  The
 * replacement is named beside it.  Included last by vg.h so that system
 * headers keep their declarations; a use in our code fails to compile.
 */
#ifndef VG_BANNED_H
#define VG_BANNED_H

#define VG_BANNED(func) sorry_##func##_is_banned_in_vigil

#undef strcpy
#define strcpy(x, y) VG_BANNED(strcpy)          /* use vg_buf or memcpy with a length */
#undef strcat
#define strcat(x, y) VG_BANNED(strcat)          /* use vg_buf_append */
#undef strncpy
#define strncpy(x, y, n) VG_BANNED(strncpy)     /* does not terminate; use vg_strlcpy */
#undef strncat
#define strncat(x, y, n) VG_BANNED(strncat)
#undef sprintf
#define sprintf(...) VG_BANNED(sprintf)         /* use snprintf or vg_buf_printf */
#undef vsprintf
#define vsprintf(...) VG_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) VG_BANNED(strtok)          /* not reentrant; use vg_sv splitting */
#undef atoi
#define atoi(x) VG_BANNED(atoi)                 /* no error report; use vg_parse_i64 */
#undef atol
#define atol(x) VG_BANNED(atol)
#undef atoll
#define atoll(x) VG_BANNED(atoll)
#undef atof
#define atof(x) VG_BANNED(atof)                 /* use vg_parse_double */
#undef gets
#define gets(x) VG_BANNED(gets)
#undef gmtime
#define gmtime(x) VG_BANNED(gmtime)             /* use gmtime_r */
#undef localtime
#define localtime(x) VG_BANNED(localtime)       /* use localtime_r */
#undef ctime
#define ctime(x) VG_BANNED(ctime)
#undef asctime
#define asctime(x) VG_BANNED(asctime)

#endif
