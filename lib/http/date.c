/*
 * lib/http/date.c - HTTP dates (RFC 9110 5.6.7).
 *
 * Senders use IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); recipients
 * also accept the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and
 * asctime ("Sun Nov  6 08:49:37 1994") forms. Calendar arithmetic is the
 * proleptic Gregorian calendar, in days since 1970-01-01.
 */
#include <kiln/http.h>
#include <string.h>

static const char day_names[7][4] = {"Thu", "Fri", "Sat", "Sun",
                                     "Mon", "Tue", "Wed"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

/* Days from 1970-01-01 to y-m-d (m 1..12). Years count from March so
 * that the leap day is the last day of a "year". */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void http_date_format(int64_t secs, char out[30])
{
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	int64_t wd = days % 7;
	if (wd < 0)
		wd += 7;
	memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", 30);
	memcpy(out, day_names[wd], 3);
	put2(out + 5, d);
	memcpy(out + 8, month_names[m - 1], 3);
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	put2(out + 17, (unsigned)(rem / 3600));
	put2(out + 20, (unsigned)(rem / 60 % 60));
	put2(out + 23, (unsigned)(rem % 60));
}

/* n digits at p (a space counts as a leading zero when pad is set). */
static bool digits(const uint8_t *p, unsigned n, bool pad, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (pad && i == 0 && p[i] == ' ')
			continue;
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool month(const uint8_t *p, unsigned *m)
{
	for (unsigned i = 0; i < 12; i++)
		if (memcmp(p, month_names[i], 3) == 0) {
			*m = i + 1;
			return true;
		}
	return false;
}

/* "HH:MM:SS" */
static bool parse_clock(const uint8_t *p, unsigned *h, unsigned *mi,
                        unsigned *s)
{
	return digits(p, 2, false, h) && p[2] == ':' &&
	       digits(p + 3, 2, false, mi) && p[5] == ':' &&
	       digits(p + 6, 2, false, s) && *h < 24 && *mi < 60 && *s < 61;
}

static bool finish(int64_t y, unsigned m, unsigned d, unsigned h, unsigned mi,
                   unsigned s, int64_t *secs)
{
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30,
	                                  31, 31, 30, 31, 30, 31};
	if (d < 1 || d > mdays[m - 1])
		return false;
	*secs = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
	return true;
}

bool http_date_parse(struct kiln_view v, int64_t *secs)
{
	const uint8_t *p = v.p;
	unsigned d, m, y, h, mi, s;
	if (v.bad || v.len < 24)
		return false;
	if (v.len == 29 && p[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (p[4] != ' ' || !digits(p + 5, 2, false, &d) ||
		    p[7] != ' ' || !month(p + 8, &m) || p[11] != ' ' ||
		    !digits(p + 12, 4, false, &y) || p[16] != ' ' ||
		    !parse_clock(p + 17, &h, &mi, &s) ||
		    memcmp(p + 25, " GMT", 4))
			return false;
		return finish(y, m, d, h, mi, s, secs);
	}
	if (v.len == 24 && p[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (!month(p + 4, &m) || p[7] != ' ' ||
		    !digits(p + 8, 2, true, &d) || p[10] != ' ' ||
		    !parse_clock(p + 11, &h, &mi, &s) || p[19] != ' ' ||
		    !digits(p + 20, 4, false, &y))
			return false;
		return finish(y, m, d, h, mi, s, secs);
	}
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT": the part after ", "
	 * is 22 bytes. */
	size_t i = 0;
	while (i < v.len && p[i] != ',')
		i++;
	if (i + 2 + 22 != v.len || p[i + 1] != ' ')
		return false;
	p += i + 2;
	if (!digits(p, 2, false, &d) || p[2] != '-' || !month(p + 3, &m) ||
	    p[6] != '-' || !digits(p + 7, 2, false, &y) || p[9] != ' ' ||
	    !parse_clock(p + 10, &h, &mi, &s) || memcmp(p + 18, " GMT", 4))
		return false;
	/* Two-digit years: 70..99 are 19xx, the rest 20xx. */
	y += y >= 70 ? 1900 : 2000;
	return finish(y, m, d, h, mi, s, secs);
}
