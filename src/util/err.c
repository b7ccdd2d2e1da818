/*
 * err.c - error codes and the error object.
 *
 * Codes are small negative integers (util.h).  The error object carries the
 * first failure's code, a field path and a message; later vg_err_set calls on
 * an object that already holds an error leave it alone, so the innermost,
 * most specific explanation reaches the user.
 */
#include "vg.h"
#include "util/util.h"

static const struct {
	int code;
	const char *text;
} err_names[] = {
	{VG_OK, "success"},
	{VG_EINVAL, "invalid argument"},
	{VG_ENOMEM, "out of memory"},
	{VG_EIO, "input/output error"},
	{VG_ENOTFOUND, "not found"},
	{VG_EEXIST, "already exists"},
	{VG_ETOOBIG, "size limit exceeded"},
	{VG_EDB, "database error"},
	{VG_EPARSE, "parse error"},
	{VG_EAUTH, "not authenticated"},
	{VG_EPERM, "permission denied"},
	{VG_ECONFLICT, "conflict"},
	{VG_EINTERNAL, "internal error"},
	{VG_ERANGE, "number out of range"},
	{VG_EUSAGE, "usage error"},
};

const char *vg_strerror(int code)
{
	for (size_t i = 0; i < VG_ARRAY_LEN(err_names); i++)
		if (err_names[i].code == code)
			return err_names[i].text;
	return "unknown error";
}

int vg_err_set(struct vg_err *err, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != 0)
		return code;
	err->code = code;
	vg_strlcpy(err->field, field ? field : "", sizeof(err->field));
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	} else {
		vg_strlcpy(err->msg, vg_strerror(code), sizeof(err->msg));
	}
	return code;
}

void vg_err_clear(struct vg_err *err)
{
	err->code = 0;
	err->field[0] = '\0';
	err->msg[0] = '\0';
}

const char *vg_err_str(const struct vg_err *err, char *out, size_t outsz)
{
	const char *msg = err->msg[0] ? err->msg : vg_strerror(err->code);

	if (err->field[0])
		snprintf(out, outsz, "%s: %s", err->field, msg);
	else
		snprintf(out, outsz, "%s", msg);
	return out;
}
